package io.tandem.transport;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.util.DefaultClassResolver;

/**
 * Resolves classes from registered ids only. Kryo's default resolver, even with registration
 * required, answers the wire's "class name follows" marker (id 1) by loading the named class with
 * {@code Class.forName} before noticing it is unregistered. Here the marker is a decode error: no
 * name from the wire is ever read, let alone loaded or instantiated.
 */
final class IdOnlyClassResolver extends DefaultClassResolver {

    @Override
    protected Registration readName(Input input) {
        throw new KryoException("the payload names a class where a registered class id belongs; class names are "
                + "never accepted");
    }
}
