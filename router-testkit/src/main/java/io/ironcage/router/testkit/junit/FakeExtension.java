package io.ironcage.router.testkit.junit;

import io.ironcage.router.testkit.FakeControlPlane;
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
        fakes(context.getRequiredTestClass(), null, true).forEach(FakeExtension::start);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeAll(fakes(context.getRequiredTestClass(), null, true));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Object instance = context.getRequiredTestInstance();
        fakes(instance.getClass(), instance, false).forEach(FakeExtension::start);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Object instance = context.getRequiredTestInstance();
        closeAll(fakes(instance.getClass(), instance, false));
    }

    private static void start(AutoCloseable fake) {
        if (fake instanceof FakeProvider) {
            ((FakeProvider) fake).start();
        } else {
            ((FakeControlPlane) fake).start();
        }
    }

    private static void closeAll(List<AutoCloseable> fakes) {
        for (AutoCloseable fake : fakes) {
            if (fake instanceof FakeProvider) {
                ((FakeProvider) fake).close();
            } else {
                ((FakeControlPlane) fake).close();
            }
        }
    }

    private static List<AutoCloseable> fakes(Class<?> type, Object instance, boolean statics) {
        List<AutoCloseable> found = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (!field.isAnnotationPresent(StartStop.class)
                        || Modifier.isStatic(field.getModifiers()) != statics) {
                    continue;
                }
                if (field.getType() != FakeProvider.class
                        && field.getType() != FakeControlPlane.class) {
                    throw new ExtensionConfigurationException(
                            "@StartStop goes on FakeProvider and FakeControlPlane fields, not on "
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
                    found.add((AutoCloseable) value);
                } catch (IllegalAccessException e) {
                    throw new ExtensionConfigurationException(
                            "cannot read @StartStop field " + field.getName(), e);
                }
            }
        }
        return found;
    }
}
