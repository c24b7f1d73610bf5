package io.tandem.state;

/**
 * Which build can read which command kind: the <em>command level</em> of a kind is the first
 * level whose builds decode it. A node reads every kind up to its own level and reports that level
 * to the leader; the leader raises the replicated <em>cluster version</em> (see
 * {@link Command.SetClusterVersion}) to the lowest level every member reports, and a node proposes
 * a kind only when the cluster version has reached that kind's level. A rolling upgrade therefore
 * never puts a command in the log that an older member cannot apply — the rule etcd follows with
 * its cluster version.
 *
 * <p>Levels are part of the log format: a kind never changes level, and a new kind takes
 * {@link #CURRENT} + 1 in the build that adds it (docs/formats.md lists them).
 */
public final class CommandLevels {

    /** The level of the kinds every build with the version gate reads; the cluster version starts here. */
    public static final int BASE = 1;

    /**
     * The highest level this build reads and writes. Level 2 adds cron schedules
     * ({@code PutCronSchedule}, {@code SetScheduleSuspended}).
     */
    public static final int CURRENT = 2;

    private CommandLevels() {
    }

    /** The level of command {@code code}, or {@link Integer#MAX_VALUE} for a code this build does not know. */
    public static int levelOf(byte code) {
        return switch (code) {
            case 1, 2, 3, 4, 10, 11, 20, 30, 31, 32, 50 -> BASE;
            default -> TaskCodec.isCommand(code) ? TaskCodec.levelOf(code) : Integer.MAX_VALUE;
        };
    }

    /** The level of {@code command}'s kind. */
    public static int levelOf(Command command) {
        return levelOf(command.code());
    }
}
