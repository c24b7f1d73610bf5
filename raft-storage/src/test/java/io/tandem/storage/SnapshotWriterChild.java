package io.tandem.storage;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Child process of {@link FileSnapshotStoreTest}: commits snapshots of growing index with the
 * contents of {@link SnapshotData}, writing each in small chunks, and prints {@code C <index>}
 * after each commit returns, until it is killed.
 */
public final class SnapshotWriterChild {

    private SnapshotWriterChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[1]));
        try (FileSnapshotStore store = FileSnapshotStore.open(dir, 3)) {
            long index = store.list().isEmpty() ? 1 : store.list().get(0).lastIncludedIndex() + 1;
            System.out.println("OPEN " + (index - 1));
            System.out.flush();
            while (true) {
                byte[] data = SnapshotData.forIndex(index);
                try (SnapshotWriter w = store.create(index, index / 10, SnapshotData.configuration(index))) {
                    for (int at = 0; at < data.length; ) {
                        int n = Math.min(data.length - at, 1 + random.nextInt(8192));
                        w.write(data, at, n);
                        at += n;
                    }
                    w.commit().close();
                }
                System.out.println("C " + index);
                System.out.flush();
                index++;
            }
        }
    }
}
