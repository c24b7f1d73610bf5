package io.tandem.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/** Opens file channels. A seam for tests that inject I/O failures; production uses {@link #SYSTEM}. */
@FunctionalInterface
interface ChannelOpener {

    ChannelOpener SYSTEM = (path, options) -> FileChannel.open(path, options);

    FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
}
