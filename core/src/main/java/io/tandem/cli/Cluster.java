package io.tandem.cli;

import io.tandem.TandemException;
import io.tandem.TandemTimeoutException;
import io.tandem.node.Wire;
import io.tandem.node.Wire.ClientOp;
import io.tandem.node.Wire.ClientRequest;
import io.tandem.node.Wire.ClientResponse;
import io.tandem.remote.RemoteClient;
import io.tandem.remote.UnreachableException;
import io.tandem.transport.Endpoint;
import io.tandem.transport.TlsConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLI's connection to a cluster: one {@link RemoteClient} per endpoint, opened when first
 * used. A call goes to the current endpoint and moves on to the next one when the node cannot be
 * reached (nothing was sent, so this is safe for writes too) or, for reads, when it does not
 * answer in time. Operations only the leader serves follow the leader hint in a node's refusal.
 */
final class Cluster implements AutoCloseable {

    private static final Pattern LEADER_HINT = Pattern.compile("the leader is (\\S+), send the request there");

    private final List<Endpoint> endpoints;
    private final String clusterName;
    private final byte[] secret;
    private final String clientAddress;
    private final Duration timeout;
    private final TlsConfig tls;
    private final Map<Endpoint, RemoteClient> clients = new LinkedHashMap<>();
    private int current;

    Cluster(List<Endpoint> endpoints, String clusterName, byte[] secret, String clientAddress, Duration timeout,
            TlsConfig tls) {
        this.endpoints = new ArrayList<>(endpoints);
        this.clusterName = clusterName;
        this.secret = secret;
        this.clientAddress = clientAddress;
        this.timeout = timeout;
        this.tls = tls;
    }

    Duration timeout() {
        return timeout;
    }

    /** The endpoint the last successful call went to. */
    Endpoint current() {
        return endpoints.get(current);
    }

    ClientResponse call(ClientRequest request) {
        return withFailover(isRead(request.op()), c -> c.call(request));
    }

    ClientResponse call(Wire.TaskRequest request) {
        boolean read = request.op().equals("list") || request.op().equals("dead") || request.op().equals("queues");
        return withFailover(read, c -> c.call(request));
    }

    /** Sends to the leader: tries the endpoints, then follows "the leader is X" hints (twice at most). */
    ClientResponse callLeader(ClientRequest request) {
        TandemException last = null;
        for (int hop = 0; hop < 3; hop++) {
            try {
                return call(request);
            } catch (UnreachableException e) {
                throw e;
            } catch (TandemException e) {
                Matcher m = LEADER_HINT.matcher(String.valueOf(e.getMessage()));
                if (!m.find()) {
                    throw e;
                }
                last = e;
                Endpoint leader = Endpoint.parse(m.group(1));
                int i = endpoints.indexOf(leader);
                if (i < 0) {
                    endpoints.add(leader);
                    i = endpoints.size() - 1;
                }
                current = i;
            }
        }
        throw last;
    }

    /** Runs {@code call} on a client of one fixed endpoint (watches and backups stay on one node). */
    <T> T onCurrent(Function<RemoteClient, T> call) {
        return withFailover(true, call);
    }

    private <T> T withFailover(boolean read, Function<RemoteClient, T> call) {
        List<String> failures = new ArrayList<>();
        for (int tried = 0; tried < endpoints.size(); tried++) {
            Endpoint e = endpoints.get(current);
            try {
                return call.apply(client(e));
            } catch (UnreachableException ex) {
                failures.add(ex.getMessage());
            } catch (TandemTimeoutException ex) {
                if (!read) {
                    throw ex; // a write may have been applied: retrying elsewhere could apply it twice
                }
                failures.add(ex.getMessage());
            }
            current = (current + 1) % endpoints.size();
        }
        if (failures.size() == 1) {
            throw new TandemException(failures.get(0));
        }
        throw new TandemException("no endpoint answered (" + endpoints.size() + " tried): "
                + String.join("; ", failures));
    }

    private RemoteClient client(Endpoint e) {
        RemoteClient c = clients.get(e);
        if (c == null) {
            c = RemoteClient.connect(e, clusterName, secret, clientAddress, timeout, tls);
            clients.put(e, c);
        }
        return c;
    }

    private static boolean isRead(ClientOp op) {
        return switch (op) {
            case STATUS, GET, LIST, LOCKS, LEADERS, MEMBERS, WATCH, WATCH_RENEW, SNAPSHOT -> true;
            default -> false;
        };
    }

    static ClientRequest request(ClientOp op, String key) {
        return new ClientRequest(0, "", op, key, new byte[0], -1, 0, false, 0, 0, 0);
    }

    @Override
    public void close() {
        for (RemoteClient c : clients.values()) {
            c.close();
        }
        clients.clear();
    }
}
