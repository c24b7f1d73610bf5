package io.tandem.storage;

import static io.tandem.storage.Entries.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InMemoryRaftLogTest extends RaftLogContractTest {

    @Override
    protected RaftLog newLog() {
        return new InMemoryRaftLog(Runnable::run, maxEntryBytes());
    }

    @Override
    protected int maxEntryBytes() {
        return 4096;
    }

    @Test
    void compactPrefixDiscardsExactly() {
        log.append(batch(1, 10, 1));
        log.compactPrefix(4);
        assertEquals(5, log.firstIndex());
    }

    @Test
    void crashLosesWhatWasNotSynced() {
        ArrayDeque<Runnable> completions = new ArrayDeque<>();
        InMemoryRaftLog mem = new InMemoryRaftLog(completions::add, 1024);
        mem.append(batch(1, 5, 1));
        mem.sync();
        completions.poll().run();
        mem.append(batch(6, 5, 1));
        CompletableFuture<Long> late = mem.sync();
        mem.crash();
        completions.poll().run();
        assertEquals(5, late.join());
        assertEquals(5, mem.lastIndex());
        assertEquals(5, mem.durableIndex());
    }

    @Test
    void syncCompletionRunsOnTheGivenExecutor() {
        ArrayDeque<Runnable> completions = new ArrayDeque<>();
        InMemoryRaftLog mem = new InMemoryRaftLog(completions::add, 1024);
        mem.append(batch(1, 2, 1));
        CompletableFuture<Long> f = mem.sync();
        assertFalse(f.isDone());
        assertEquals(0, mem.durableIndex());
        completions.poll().run();
        assertTrue(f.isDone());
        assertEquals(2, mem.durableIndex());
    }
}
