package io.ironcage.examples.quickstart;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.domain.Money;
import io.ironcage.router.core.domain.ProviderKey;
import io.ironcage.router.core.spi.ProviderKeySource;
import io.ironcage.router.testkit.FakeProvider;
import io.ironcage.router.testkit.FakeResponse;
import io.ironcage.router.transport.netty.NettyTransportProvider;

/**
 * The README's "Quick start (Java)", word for word, with the testkit's FakeProvider as OpenAI: no
 * network, no key. Exits with status 1 when the answer or the cost is not what the fake was told to
 * send (scripts/consumer-check.sh runs it and checks the snippet is still the README's).
 */
public final class QuickStart {
    private QuickStart() {}

    public static void main(String[] args) {
        try (FakeProvider fake = FakeProvider.openAi().start()) {
            fake.requireKey("sk-test");
            fake.enqueue(FakeResponse.text("Hello!").usage(1_000, 500));
            ProviderKey openAiKey = ProviderKey.openAi("sk-test", fake.baseUri());

            // --- the README snippet ---
            try (LlmRouter router =
                    LlmRouter.builder()
                            .transport(new NettyTransportProvider())
                            .providerKeys(ProviderKeySource.fixed(openAiKey)) // ProviderKey.of(System.getenv("OPENAI_API_KEY"))
                            .budget(Money.fromUsdTruncating(2.00))
                            .start()) {
                OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(router.baseUrl()).apiKey(router.token()).build();
                ChatCompletion reply =
                        client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Hi").build());
                System.out.println(reply.choices().get(0).message().content().orElse("") + " — spent " + router.totalSpent());
            // --- end of the README snippet ---

                check("Hello!".equals(reply.choices().get(0).message().content().orElse("")), "the answer is the fake's");
                // 1,000 input and 500 output tokens of gpt-4o-mini at the bundled prices: 450 µ$
                check(Money.ofMicros(450).equals(router.totalSpent()), "the spend is 450 µ$, was " + router.totalSpent());
            }
        }
        System.out.println("embedded quick start: OK");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("embedded quick start FAILED: " + what);
            System.exit(1);
        }
    }
}
