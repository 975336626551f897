package io.ironcage.router.testkit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts the annotated {@code FakeProvider} or {@code FakeControlPlane} field before each test and
 * closes it after (a static field: before and after all tests of the class). Registers {@link
 * FakeExtension} itself.
 *
 * <pre>{@code
 * class MyAgentTest {
 *     @StartStop final FakeProvider openAi = FakeProvider.openAi();
 *
 *     @Test
 *     void answers() {
 *         openAi.enqueue(FakeResponse.text("Hi"));
 *         // ... call openAi.baseUri() ...
 *     }
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@ExtendWith(FakeExtension.class)
public @interface StartStop {}
