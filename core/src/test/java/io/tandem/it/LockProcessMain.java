package io.tandem.it;

import io.tandem.Tandem;
import io.tandem.state.LockKind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * A Tandem member in its own process, driven through stdin, for the kill -9 tests: the holder of
 * a lock or a leadership must be a real process that dies without a goodbye.
 *
 * <p>Arguments: nodeId bind seeds(comma-separated) dataDir clusterName secret sessionTimeoutMs.
 * Commands on stdin: {@code lock NAME}, {@code elect GROUP}, {@code waiters NAME}. Prints {@code READY},
 * {@code GRANTED name token}, {@code LEADER group term}, {@code LOST name reason},
 * {@code WAITERS name count} (as this member's state has it) on stdout.
 */
public final class LockProcessMain {

    private LockProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        Tandem node = Tandem.start(Tandem.builder().nodeId(args[0]).bind(args[1])
                .seeds(Arrays.asList(args[2].split(","))).dataDir(Path.of(args[3])).clusterName(args[4])
                .clusterSecret(args[5]).tick(Duration.ofMillis(25)).electionTimeoutTicks(10)
                .sessionTimeout(Duration.ofMillis(Long.parseLong(args[6]))).requestTimeout(Duration.ofSeconds(5))
                .build());
        say("READY " + args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] cmd = line.trim().split(" ");
            if (cmd[0].equals("lock")) {
                node.lock(cmd[1]).acquireAsync().thenAccept(lease -> {
                    say("GRANTED " + lease.name() + " " + lease.fencingToken());
                    lease.lost().thenAccept(why -> say("LOST " + lease.name() + " " + why));
                });
            } else if (cmd[0].equals("waiters")) {
                int waiters = node.locks(LockKind.LOCK, cmd[1]).stream().filter(i -> i.name().equals(cmd[1]))
                        .mapToInt(i -> i.waiters().size()).sum();
                say("WAITERS " + cmd[1] + " " + waiters);
            } else if (cmd[0].equals("elect")) {
                node.leader(cmd[1]).electAsync().thenAccept(lead -> {
                    say("LEADER " + lead.group() + " " + lead.term());
                    lead.revoked().thenAccept(why -> say("LOST " + lead.group() + " " + why));
                });
            } else if (cmd[0].equals("close")) {
                node.close();
                say("CLOSED");
                return;
            }
        }
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

}
