package io.tandem.state;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary form of {@link TaskCommand}s (codes 60–89) and {@link TaskResult}s (codes 40–69), called
 * by {@link CommandCodec}; part of the log and snapshot formats, version 1 (big-endian).
 *
 * <pre>
 * Submit (60): utf queue, utf name, bytes payload, i32 priority, i32 maxAttempts, i64 delayMs,
 *              utf idempotencyKey, i64 backoffBaseMs, i64 backoffMaxMs, i64 retentionMs
 * RegisterWorkers (61): utf queue, utf name, i32 concurrency, i64 leaseMs
 * UnregisterWorkers (62): utf queue, utf name
 * Complete (63): i64 taskId, i64 token, bytes result      Fail (64): i64 taskId, i64 token, utf error
 * ExtendLeases (65): i32 n, n × (i64 taskId, i64 token)
 * Cancel (66), Requeue (67), PurgeDead (68): utf queue, i64 taskId
 * PutSchedule (69): utf queue, utf schedule, utf taskName, bytes payload, i64 periodMs, i32 priority,
 *              i32 maxAttempts, i64 backoffBaseMs, i64 backoffMaxMs, i64 retentionMs
 * RemoveSchedule (70): utf queue, utf schedule
 * PutCronSchedule (71): utf queue, utf schedule, utf taskName, bytes payload, utf expression, u8 withSeconds,
 *              utf zone, u8 misfire, i32 misfireMaxFires, i64 misfireThresholdMs, i64 startingDeadlineMs,
 *              u8 concurrency, i32 keepRuns, i32 priority, i32 maxAttempts, i64 backoffBaseMs,
 *              i64 backoffMaxMs, i64 retentionMs
 * SetScheduleSuspended (72): utf queue, utf schedule, u8 suspended
 * results: Submitted (40): i64 taskId, u8 created   Outcome (41): i64 taskId, u8 accepted,
 *          u8 notFound, utf reason                 Count (42): i64 count
 * bytes = i32 length + bytes; utf = u16 length + modified UTF-8
 * </pre>
 */
final class TaskCodec {

    static final int FIRST_COMMAND = 60;
    static final int LAST_COMMAND = 89;
    static final int FIRST_RESULT = 40;
    static final int LAST_RESULT = 69;

    private TaskCodec() {
    }

    static boolean isCommand(byte code) {
        return code >= FIRST_COMMAND && code <= LAST_COMMAND;
    }

    /** The command level of task command {@code code} (see {@link CommandLevels}); unknown codes never decode. */
    static int levelOf(byte code) {
        if (code >= 60 && code <= 70) {
            return CommandLevels.BASE;
        }
        // Level 2: cron schedules (PutCronSchedule 71, SetScheduleSuspended 72).
        return code == 71 || code == 72 ? 2 : Integer.MAX_VALUE;
    }

    static boolean isResult(byte code) {
        return code >= FIRST_RESULT && code <= LAST_RESULT;
    }

    /** Writes the code and the fields. */
    static void writeCommand(DataOutput out, TaskCommand c) throws IOException {
        out.writeByte(c.code());
        if (c instanceof TaskCommand.Submit s) {
            out.writeUTF(s.queue());
            out.writeUTF(s.name());
            CommandCodec.writeBytes(out, s.payload());
            out.writeInt(s.priority());
            out.writeInt(s.maxAttempts());
            out.writeLong(s.delayMs());
            out.writeUTF(s.idempotencyKey());
            out.writeLong(s.backoffBaseMs());
            out.writeLong(s.backoffMaxMs());
            out.writeLong(s.retentionMs());
        } else if (c instanceof TaskCommand.RegisterWorkers w) {
            out.writeUTF(w.queue());
            out.writeUTF(w.name());
            out.writeInt(w.concurrency());
            out.writeLong(w.leaseMs());
        } else if (c instanceof TaskCommand.UnregisterWorkers u) {
            out.writeUTF(u.queue());
            out.writeUTF(u.name());
        } else if (c instanceof TaskCommand.Complete d) {
            out.writeLong(d.taskId());
            out.writeLong(d.token());
            CommandCodec.writeBytes(out, d.result());
        } else if (c instanceof TaskCommand.Fail f) {
            out.writeLong(f.taskId());
            out.writeLong(f.token());
            out.writeUTF(f.error());
        } else if (c instanceof TaskCommand.ExtendLeases e) {
            out.writeInt(e.taskIds().size());
            for (int i = 0; i < e.taskIds().size(); i++) {
                out.writeLong(e.taskIds().get(i));
                out.writeLong(e.tokens().get(i));
            }
        } else if (c instanceof TaskCommand.Cancel x) {
            out.writeUTF(x.queue());
            out.writeLong(x.taskId());
        } else if (c instanceof TaskCommand.Requeue x) {
            out.writeUTF(x.queue());
            out.writeLong(x.taskId());
        } else if (c instanceof TaskCommand.PurgeDead x) {
            out.writeUTF(x.queue());
            out.writeLong(x.taskId());
        } else if (c instanceof TaskCommand.PutSchedule p) {
            out.writeUTF(p.queue());
            out.writeUTF(p.schedule());
            out.writeUTF(p.taskName());
            CommandCodec.writeBytes(out, p.payload());
            out.writeLong(p.periodMs());
            out.writeInt(p.priority());
            out.writeInt(p.maxAttempts());
            out.writeLong(p.backoffBaseMs());
            out.writeLong(p.backoffMaxMs());
            out.writeLong(p.retentionMs());
        } else if (c instanceof TaskCommand.RemoveSchedule r) {
            out.writeUTF(r.queue());
            out.writeUTF(r.schedule());
        } else if (c instanceof TaskCommand.PutCronSchedule p) {
            out.writeUTF(p.queue());
            out.writeUTF(p.schedule());
            out.writeUTF(p.taskName());
            CommandCodec.writeBytes(out, p.payload());
            out.writeUTF(p.expression());
            out.writeBoolean(p.withSeconds());
            out.writeUTF(p.zone());
            out.writeByte(p.misfire());
            out.writeInt(p.misfireMaxFires());
            out.writeLong(p.misfireThresholdMs());
            out.writeLong(p.startingDeadlineMs());
            out.writeByte(p.concurrency());
            out.writeInt(p.keepRuns());
            out.writeInt(p.priority());
            out.writeInt(p.maxAttempts());
            out.writeLong(p.backoffBaseMs());
            out.writeLong(p.backoffMaxMs());
            out.writeLong(p.retentionMs());
        } else if (c instanceof TaskCommand.SetScheduleSuspended x) {
            out.writeUTF(x.queue());
            out.writeUTF(x.schedule());
            out.writeBoolean(x.suspended());
        } else {
            throw new IOException("no encoding for task command " + c);
        }
    }

    /** Reads the fields of the command with {@code code} (already read). */
    static TaskCommand readCommand(byte code, DataInput in) throws IOException {
        return switch (code) {
            case 60 -> new TaskCommand.Submit(in.readUTF(), in.readUTF(), CommandCodec.readBytes(in), in.readInt(),
                    in.readInt(), in.readLong(), in.readUTF(), in.readLong(), in.readLong(), in.readLong());
            case 61 -> new TaskCommand.RegisterWorkers(in.readUTF(), in.readUTF(), in.readInt(), in.readLong());
            case 62 -> new TaskCommand.UnregisterWorkers(in.readUTF(), in.readUTF());
            case 63 -> new TaskCommand.Complete(in.readLong(), in.readLong(), CommandCodec.readBytes(in));
            case 64 -> new TaskCommand.Fail(in.readLong(), in.readLong(), in.readUTF());
            case 65 -> {
                int n = in.readInt();
                if (n < 0 || n > 1_000_000) {
                    throw new IOException("ExtendLeases with " + n + " claims is out of range");
                }
                List<Long> ids = new ArrayList<>(n);
                List<Long> tokens = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ids.add(in.readLong());
                    tokens.add(in.readLong());
                }
                yield new TaskCommand.ExtendLeases(ids, tokens);
            }
            case 66 -> new TaskCommand.Cancel(in.readUTF(), in.readLong());
            case 67 -> new TaskCommand.Requeue(in.readUTF(), in.readLong());
            case 68 -> new TaskCommand.PurgeDead(in.readUTF(), in.readLong());
            case 69 -> new TaskCommand.PutSchedule(in.readUTF(), in.readUTF(), in.readUTF(), CommandCodec.readBytes(in),
                    in.readLong(), in.readInt(), in.readInt(), in.readLong(), in.readLong(), in.readLong());
            case 70 -> new TaskCommand.RemoveSchedule(in.readUTF(), in.readUTF());
            case 71 -> new TaskCommand.PutCronSchedule(in.readUTF(), in.readUTF(), in.readUTF(),
                    CommandCodec.readBytes(in), in.readUTF(), in.readBoolean(), in.readUTF(), in.readByte(),
                    in.readInt(), in.readLong(), in.readLong(), in.readByte(), in.readInt(), in.readInt(), in.readInt(),
                    in.readLong(), in.readLong(), in.readLong());
            case 72 -> new TaskCommand.SetScheduleSuspended(in.readUTF(), in.readUTF(), in.readBoolean());
            default -> throw new IOException("unknown task command code " + code);
        };
    }

    static void writeResult(DataOutput out, TaskResult r) throws IOException {
        out.writeByte(r.code());
        if (r instanceof TaskResult.Submitted s) {
            out.writeLong(s.taskId());
            out.writeBoolean(s.created());
        } else if (r instanceof TaskResult.Outcome o) {
            out.writeLong(o.taskId());
            out.writeBoolean(o.accepted());
            out.writeBoolean(o.notFound());
            out.writeUTF(o.reason());
        } else if (r instanceof TaskResult.Count c) {
            out.writeLong(c.count());
        } else {
            throw new IOException("no encoding for task result " + r);
        }
    }

    static TaskResult readResult(byte code, DataInput in) throws IOException {
        return switch (code) {
            case 40 -> new TaskResult.Submitted(in.readLong(), in.readBoolean());
            case 41 -> new TaskResult.Outcome(in.readLong(), in.readBoolean(), in.readBoolean(), in.readUTF());
            case 42 -> new TaskResult.Count(in.readLong());
            default -> throw new IOException("unknown task result code " + code);
        };
    }
}
