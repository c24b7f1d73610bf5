package io.tandem.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransportConfigTest {

    private static String failure(TransportConfig.Builder builder) {
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }

    @Test
    void emptyBuilderListsEveryMissingRequiredValueAndHowToSetIt() {
        String message = failure(TransportConfig.builder());
        assertTrue(message.contains("clusterName is not set: call clusterName(\"orders-prod\")"), message);
        assertTrue(message.contains("nodeId is not set"), message);
        assertTrue(message.contains("bind is not set"), message);
        assertTrue(message.contains("clusterSecret is not set"), message);
    }

    @Test
    void shortOrConstantSecretIsRefused() {
        assertTrue(failure(TestConfigs.node("n").clusterSecret(new byte[5])).contains("clusterSecret is 5 bytes"));
        assertTrue(failure(TestConfigs.node("n").clusterSecret(new byte[32])).contains("copies of one byte"));
    }

    @Test
    void limitsSayWhatIsWrongAndWhatToDo() {
        assertTrue(failure(TestConfigs.node("n").maxFrameBytes(100))
                .contains("maxFrameBytes (100) must be within 4096..1073741824"));
        assertTrue(failure(TestConfigs.node("n").maxFrameBytes(1 << 20).outboundQueueBytesMax(1000))
                .contains("outboundQueueBytesMax (1000) must be >= maxFrameBytes + 4 (1048580)"));
        assertTrue(failure(TestConfigs.node("n").reconnectBackoffMs(100, 50))
                .contains("reconnectBackoffMaxMs (50) must be >= reconnectBackoffInitialMs (100)"));
        assertTrue(failure(TestConfigs.node("n").outboundQueueMessagesMax(0)).contains("outboundQueueMessagesMax (0)"));
        assertTrue(failure(TestConfigs.node("n").ioThreads(0)).contains("ioThreads (0)"));
    }

    @Test
    void namesAreBoundedAndPrintable() {
        assertTrue(failure(TestConfigs.node("x".repeat(256))).contains("nodeId is 256 UTF-8 bytes"));
        assertTrue(failure(TestConfigs.node("bad\nid")).contains("control characters"));
    }

    @Test
    void secretIsCopiedAndNeverPrinted() {
        byte[] secret = TestConfigs.SECRET.clone();
        TransportConfig config = TestConfigs.node("n").clusterSecret(secret).build();
        secret[0] ^= 1;
        assertEquals(TestConfigs.SECRET[0], config.clusterSecret()[0]);
        assertFalse(config.toString().contains(new String(TestConfigs.SECRET, java.nio.charset.StandardCharsets.US_ASCII)));
        assertTrue(config.toString().contains("hidden"));
    }

    @Test
    void toBuilderKeepsEveryValue() {
        TransportConfig config = TestConfigs.node("n").maxFrameBytes(8192).outboundQueueMessagesMax(3).build();
        TransportConfig copy = config.toBuilder().build();
        assertEquals(8192, copy.maxFrameBytes());
        assertEquals(3, copy.outboundQueueMessagesMax());
        assertEquals(config.nodeId(), copy.nodeId());
    }

    @Test
    void tlsConfigNamesTheMissingFile(@TempDir Path dir) {
        String message = assertThrows(IllegalArgumentException.class, () -> TlsConfig.builder()
                .certificateChain(dir.resolve("chain.pem")).build()).getMessage();
        assertTrue(message.contains("tls.certificateChain " + dir.resolve("chain.pem") + " is not a readable file"),
                message);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TlsConfig.builder().build()).getMessage()
                .contains("tls.certificateChain is not set"));
    }

    @Test
    void endpointsParseAndPrint() {
        assertEquals(Endpoint.of("10.0.0.5", 7400), Endpoint.parse("10.0.0.5:7400"));
        assertEquals(Endpoint.of("::1", 7400), Endpoint.parse("[::1]:7400"));
        assertEquals("[::1]:7400", Endpoint.of("::1", 7400).toString());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("nohost")).getMessage()
                .contains("not host:port"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.of("h", 70000));
    }
}
