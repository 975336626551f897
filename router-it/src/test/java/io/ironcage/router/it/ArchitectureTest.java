package io.ironcage.router.it;

import static com.tngtech.archunit.base.DescribedPredicate.alwaysTrue;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.library.Architectures.onionArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.ironcage.router.core.errors.LlmRouterException;

/**
 * The system-wide rule (ARCHITECTURE.md "Architecture rules"), checked here because only this
 * module has every adapter on its class path: the domain in the middle, the core's services around
 * it, and adapters that depend on the core but never on each other.
 *
 * <p>One allowance: {@link LlmRouterException} and its subclasses sit in {@code core.errors}
 * (ARCHITECTURE.md "Errors") and are the error vocabulary of every layer, so the translators of
 * {@code core.provider} may throw {@code TranslationException}.
 */
@AnalyzeClasses(
        packages = "io.ironcage.router",
        importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule ONION =
            onionArchitecture()
                    .domainModels("..core.domain..")
                    .domainServices("..core.provider..")
                    .applicationServices(
                            "io.ironcage.router.core",
                            "..core.agent..",
                            "..core.errors..",
                            "..core.spi..",
                            "..core.transport..",
                            "..core.config..",
                            "..core.controlplane..",
                            "..core.resilience..",
                            "..core.internal..")
                    .adapter("netty", "..transport.netty..")
                    .adapter("jdkhttp", "..transport.jdkhttp..")
                    .adapter("sqlite", "..analytics.sqlite..")
                    .adapter("testkit", "..testkit..")
                    .ignoreDependency(alwaysTrue(), assignableTo(LlmRouterException.class))
                    .as("the core is an onion and adapters do not depend on each other");
}
