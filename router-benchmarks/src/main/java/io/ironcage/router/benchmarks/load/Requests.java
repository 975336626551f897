package io.ironcage.router.benchmarks.load;

import java.nio.charset.StandardCharsets;

/** The harness's request bodies: a ~1 KB chat completion, plain or streamed. */
final class Requests {
    private Requests() {}

    static byte[] chat(String model, boolean stream) {
        StringBuilder prompt = new StringBuilder();
        while (prompt.length() < 900) {
            prompt.append("Tell me something short about the sea. ");
        }
        return ("{\"model\":\""
                        + model
                        + "\",\"max_tokens\":256,"
                        + (stream ? "\"stream\":true," : "")
                        + "\"messages\":[{\"role\":\"user\",\"content\":\""
                        + prompt
                        + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
