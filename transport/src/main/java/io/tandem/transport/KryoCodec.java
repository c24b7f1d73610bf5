package io.tandem.transport;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.KryoBufferOverflowException;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;
import java.util.Objects;

/**
 * Kryo 5 codec for message frames. Registration is required and every id is fixed (built-ins plus
 * the caller's {@link Registrations}), so a class is only ever chosen from a small integer id on
 * the wire, never from a name ({@link IdOnlyClassResolver} refuses Kryo's class-name marker). References are off (messages are trees) and nesting is capped at
 * {@link #MAX_DEPTH} so a hostile payload cannot exhaust the stack.
 *
 * <p>Message frame body: {@code varint(classId + 2)} then the object as Kryo writes it for that
 * registration (records: each component in declaration order). The decoder requires the payload to
 * be consumed exactly; trailing bytes are an error.
 *
 * <p>Thread-safe: Kryo instances and their buffers are pooled.
 */
final class KryoCodec {

    static final int MAX_DEPTH = 64;
    /** Buffers above this are dropped after use, so one large message does not pin memory in the pool. */
    private static final int RETAINED_BUFFER_BYTES = 256 * 1024;
    private static final int INITIAL_BUFFER_BYTES = 4096;
    /** Free slots kept per stripe; beyond that, freed slots are left to the garbage collector. */
    private static final int STRIPE_CAPACITY = 8;

    private final Registrations registrations;
    private final int maxFrameBytes;
    // Kryo's thread-safe Pool is a LinkedBlockingQueue behind one lock. With a single pool, the
    // sending thread and the I/O threads contended on it (JFR: the hottest frame of the stream
    // benchmark), so slots are pooled in stripes chosen by thread.
    private final Pool<Slot>[] stripes;

    KryoCodec(Registrations registrations, int maxFrameBytes) {
        this.registrations = Objects.requireNonNull(registrations, "registrations");
        this.maxFrameBytes = maxFrameBytes;
        this.stripes = newStripes();
    }

    @SuppressWarnings("unchecked")
    private Pool<Slot>[] newStripes() {
        int wanted = Math.max(4, Math.min(16, 2 * Runtime.getRuntime().availableProcessors()));
        int count = Integer.highestOneBit(wanted - 1) << 1; // a power of two, so a mask picks the stripe
        Pool<Slot>[] pools = new Pool[count];
        for (int i = 0; i < count; i++) {
            pools[i] = new Pool<>(true, false, STRIPE_CAPACITY) {
                @Override
                protected Slot create() {
                    return new Slot(newKryo());
                }
            };
        }
        return pools;
    }

    private Pool<Slot> pool() {
        return stripes[(int) Thread.currentThread().getId() & (stripes.length - 1)];
    }

    /**
     * Encodes {@code message} as a complete frame: length, type {@code MESSAGE}, payload.
     *
     * @throws IllegalArgumentException if the message or a type inside it is not registered, or it
     *     encodes to more than {@code maxFrameBytes}
     */
    byte[] encodeFrame(Object message) {
        Objects.requireNonNull(message, "message");
        Pool<Slot> pool = pool();
        Slot slot = pool.obtain();
        encodeWith(slot, message);
        byte[] frame = slot.copyFrame();
        pool.free(slot);
        return frame;
    }

    /**
     * Encodes {@code message} as a complete frame into a buffer from {@code alloc}: one copy out of
     * the pooled Kryo buffer and no garbage, where {@link #encodeFrame(Object)} costs an array.
     * The caller owns (and must release) the buffer.
     *
     * @throws IllegalArgumentException as {@link #encodeFrame(Object)}
     */
    ByteBuf encodeFrame(Object message, ByteBufAllocator alloc) {
        Objects.requireNonNull(message, "message");
        Pool<Slot> pool = pool();
        Slot slot = pool.obtain();
        encodeWith(slot, message);
        ByteBuf frame = slot.copyFrame(alloc);
        pool.free(slot);
        return frame;
    }

    /** Decodes a message frame body (after the type byte). */
    Object decode(ByteBuf body) throws DecodeException {
        Pool<Slot> pool = pool();
        Slot slot = pool.obtain();
        Object message = slot.decode(body);
        pool.free(slot);
        return message;
    }

    /** Decodes a payload held in an array (the in-memory transport). */
    Object decode(byte[] bytes, int offset, int length) throws DecodeException {
        Pool<Slot> pool = pool();
        Slot slot = pool.obtain();
        Object message = slot.decode(bytes, offset, length);
        pool.free(slot);
        return message;
    }

    // On failure the slot is not returned: Kryo may be mid-graph after an exception.
    private void encodeWith(Slot slot, Object message) {
        try {
            slot.encode(message);
        } catch (KryoBufferOverflowException e) {
            throw new IllegalArgumentException("message " + message.getClass().getName() + " encodes to more than "
                    + "maxFrameBytes (" + maxFrameBytes + "); send smaller messages or raise maxFrameBytes on every "
                    + "node", e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot encode message " + message.getClass().getName() + ": "
                    + e.getMessage() + " (is every type inside it registered?)", e);
        }
    }

    private Kryo newKryo() {
        Kryo kryo = new Kryo(new IdOnlyClassResolver(), null); // null reference resolver: references off
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        kryo.setMaxDepth(MAX_DEPTH);
        BuiltIns.register(kryo);
        for (Registrations.Entry e : registrations.entries()) {
            if (e.serializer() == null) {
                kryo.register(e.type(), e.id());
            } else {
                kryo.register(e.type(), (Serializer<?>) e.serializer().get(), e.id());
            }
        }
        return kryo;
    }

    /** One Kryo with its own buffers; used by one thread at a time. */
    private final class Slot {
        private final Kryo kryo;
        private final Output output = new Output(INITIAL_BUFFER_BYTES, Frames.LENGTH_BYTES + maxFrameBytes);
        private final BoundedInput input = new BoundedInput();
        private byte[] scratch = new byte[INITIAL_BUFFER_BYTES];

        Slot(Kryo kryo) {
            this.kryo = kryo;
        }

        /** Writes the whole frame, header included, into the slot's buffer. */
        void encode(Object message) {
            output.setPosition(Frames.HEADER_BYTES);
            kryo.writeClassAndObject(output, message);
            byte[] buffer = output.getBuffer();
            int length = output.position() - Frames.LENGTH_BYTES;
            buffer[0] = (byte) (length >>> 24);
            buffer[1] = (byte) (length >>> 16);
            buffer[2] = (byte) (length >>> 8);
            buffer[3] = (byte) length;
            buffer[4] = Frames.MESSAGE;
        }

        byte[] copyFrame() {
            byte[] frame = Arrays.copyOf(output.getBuffer(), output.position());
            shrinkOutput();
            return frame;
        }

        ByteBuf copyFrame(ByteBufAllocator alloc) {
            int length = output.position();
            ByteBuf frame = alloc.directBuffer(length, length).writeBytes(output.getBuffer(), 0, length);
            shrinkOutput();
            return frame;
        }

        private void shrinkOutput() {
            if (output.getBuffer().length > RETAINED_BUFFER_BYTES) {
                output.setBuffer(new byte[INITIAL_BUFFER_BYTES], Frames.LENGTH_BYTES + maxFrameBytes);
            }
        }

        Object decode(ByteBuf body) throws DecodeException {
            int length = body.readableBytes();
            if (body.hasArray()) {
                return decode(body.array(), body.arrayOffset() + body.readerIndex(), length);
            }
            if (scratch.length < length) {
                scratch = new byte[length];
            }
            body.getBytes(body.readerIndex(), scratch, 0, length);
            Object message = decode(scratch, 0, length);
            if (scratch.length > RETAINED_BUFFER_BYTES) {
                scratch = new byte[INITIAL_BUFFER_BYTES];
            }
            return message;
        }

        Object decode(byte[] bytes, int offset, int length) throws DecodeException {
            input.setBuffer(bytes, offset, length);
            try {
                return readExactly(offset + length);
            } catch (DecodeException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new DecodeException("undecodable payload: " + e.getMessage(), e);
            } finally {
                input.setBuffer(EMPTY);
            }
        }

        private Object readExactly(int end) throws DecodeException {
            Object message = kryo.readClassAndObject(input);
            if (message == null) {
                throw new DecodeException("null message", null);
            }
            if (input.position() != end) {
                throw new DecodeException((end - input.position()) + " trailing bytes after a "
                        + message.getClass().getName(), null);
            }
            return message;
        }
    }

    private static final byte[] EMPTY = new byte[0];
}
