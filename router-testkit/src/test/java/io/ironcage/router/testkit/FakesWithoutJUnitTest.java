package io.ironcage.router.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * JUnit is an optional dependency of the testkit: a fake loads and answers on a class path that has
 * no JUnit at all, as it does in the {@code iron-router} jar and in a consumer's main code.
 */
class FakesWithoutJUnitTest {

    @Test
    void aFakeProviderLoadsAndAnswersWithoutJUnitOnTheClassPath() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(classPathWithoutJUnit(), platform())) {
            assertThrows(
                    ClassNotFoundException.class,
                    () -> loader.loadClass("org.junit.jupiter.api.Test"),
                    "the loader must not see JUnit");

            Class<?> provider = loader.loadClass(FakeProvider.class.getName());
            Class<?> response = loader.loadClass(FakeResponse.class.getName());
            Object fake = provider.getMethod("openAi").invoke(null);
            provider.getMethod("start").invoke(fake);
            try {
                Object hello = response.getMethod("text", String.class).invoke(null, "hello");
                provider.getMethod("enqueue", response).invoke(fake, hello);
                URI base = (URI) provider.getMethod("baseUri").invoke(fake);
                HttpResponse<String> answer =
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                                                .header("content-type", "application/json")
                                                .POST(
                                                        HttpRequest.BodyPublishers.ofString(
                                                                "{\"model\":\"gpt-4o-mini\","
                                                                        + "\"messages\":[{\"role\":"
                                                                        + "\"user\",\"content\":"
                                                                        + "\"hi\"}]}"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), answer.body());
                assertTrue(answer.body().contains("hello"), answer.body());
            } finally {
                provider.getMethod("close").invoke(fake);
            }
        }
    }

    private static ClassLoader platform() {
        return ClassLoader.getPlatformClassLoader();
    }

    /** This module's class path minus JUnit and what only JUnit brings. */
    private static URL[] classPathWithoutJUnit() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = entry.replace('\\', '/');
            if (name.contains("/org/junit/")
                    || name.contains("/org/opentest4j/")
                    || name.contains("/org/apiguardian/")
                    || name.contains("/test-classes")) {
                continue;
            }
            urls.add(Path.of(entry).toUri().toURL());
        }
        return urls.toArray(URL[]::new);
    }
}
