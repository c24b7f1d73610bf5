package io.tandem.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch directories for storage benchmarks, on the disk under test. */
final class BenchFiles {

    private BenchFiles() {
    }

    /** A fresh directory under {@code -Dtandem.bench.dir} (default: {@code java.io.tmpdir}). */
    static Path newDirectory(String prefix) throws IOException {
        Path base = Path.of(System.getProperty("tandem.bench.dir", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, prefix);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
