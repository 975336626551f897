package io.ironcage.router.testkit.junit;

import io.ironcage.router.testkit.FakeProvider;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The JUnit 5 extension behind {@link StartStop}: starts annotated fakes before tests and closes
 * them after, so no test leaks a port or a thread.
 */
public final class FakeExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    /** Creates the extension; JUnit does this. */
    public FakeExtension() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        for (FakeProvider fake : fakes(context.getRequiredTestClass(), null, true)) {
            fake.start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (FakeProvider fake : fakes(context.getRequiredTestClass(), null, true)) {
            fake.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Object instance = context.getRequiredTestInstance();
        for (FakeProvider fake : fakes(instance.getClass(), instance, false)) {
            fake.start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Object instance = context.getRequiredTestInstance();
        for (FakeProvider fake : fakes(instance.getClass(), instance, false)) {
            fake.close();
        }
    }

    private static List<FakeProvider> fakes(Class<?> type, Object instance, boolean statics) {
        List<FakeProvider> found = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (!field.isAnnotationPresent(StartStop.class)
                        || Modifier.isStatic(field.getModifiers()) != statics) {
                    continue;
                }
                if (!FakeProvider.class.isAssignableFrom(field.getType())) {
                    throw new ExtensionConfigurationException(
                            "@StartStop goes on FakeProvider fields, not on "
                                    + c.getSimpleName()
                                    + "."
                                    + field.getName());
                }
                try {
                    field.setAccessible(true);
                    Object value = field.get(statics ? null : instance);
                    if (value == null) {
                        throw new ExtensionConfigurationException(
                                "@StartStop field "
                                        + c.getSimpleName()
                                        + "."
                                        + field.getName()
                                        + " is null");
                    }
                    found.add((FakeProvider) value);
                } catch (IllegalAccessException e) {
                    throw new ExtensionConfigurationException(
                            "cannot read @StartStop field " + field.getName(), e);
                }
            }
        }
        return found;
    }
}
