package io.ironcage.router.cli;

import io.ironcage.router.core.LlmRouter;
import io.ironcage.router.core.config.RouterConfig;
import io.ironcage.router.core.config.RouterConfigLoader;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code iron-router serve} without a router.yaml: a router on {@code OPENAI_API_KEY} and/or {@code
 * ANTHROPIC_API_KEY} with a generated token, no budget limit, the default listen address unless
 * {@code --listen} says otherwise.
 *
 * <p>The configuration is read through {@link RouterConfigLoader} like a file, so it is validated
 * the same way; the keys enter it as {@code ${…}} references, never as text, so no error can echo
 * them.
 */
final class EnvStart {
    static final String OPENAI_KEY = "OPENAI_API_KEY";
    static final String ANTHROPIC_KEY = "ANTHROPIC_API_KEY";

    // the generated token reaches the loader the same way as the keys: by reference
    private static final String TOKEN_VARIABLE = "IRON_ROUTER_GENERATED_TOKEN";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RouterConfig config;
    private final String token;
    private final boolean openAi;
    private final boolean anthropic;

    private EnvStart(RouterConfig config, String token, boolean openAi, boolean anthropic) {
        this.config = config;
        this.token = token;
        this.openAi = openAi;
        this.anthropic = anthropic;
    }

    /**
     * Builds the start from the environment.
     *
     * @param env the environment variables
     * @param listen {@code host:port} from {@code --listen}, or null for the default
     * @return the start, or null when neither key is set
     * @throws io.ironcage.router.core.errors.ConfigException if a key or the listen address is not
     *     valid (the message names neither key's value)
     */
    static EnvStart from(Map<String, String> env, String listen) {
        boolean openAi = isSet(env.get(OPENAI_KEY));
        boolean anthropic = isSet(env.get(ANTHROPIC_KEY));
        if (!openAi && !anthropic) {
            return null;
        }
        String token = newToken();
        StringBuilder yaml = new StringBuilder();
        if (listen != null) {
            yaml.append("listen: '").append(listen.replace("'", "''")).append("'\n");
        }
        yaml.append("token: \"${").append(TOKEN_VARIABLE).append("}\"\nproviders:\n");
        if (openAi) {
            yaml.append("  openai: { key: \"${").append(OPENAI_KEY).append("}\" }\n");
        }
        if (anthropic) {
            yaml.append("  anthropic: { key: \"${").append(ANTHROPIC_KEY).append("}\" }\n");
        }
        Map<String, String> variables = new HashMap<>();
        if (openAi) {
            variables.put(OPENAI_KEY, env.get(OPENAI_KEY).strip());
        }
        if (anthropic) {
            variables.put(ANTHROPIC_KEY, env.get(ANTHROPIC_KEY).strip());
        }
        variables.put(TOKEN_VARIABLE, token);
        RouterConfig config =
                RouterConfigLoader.parse(yaml.toString(), variables, "the environment");
        return new EnvStart(config, token, openAi, anthropic);
    }

    RouterConfig config() {
        return config;
    }

    /**
     * Prints, once, the base URL, the token and the environment lines an agent needs; never a
     * provider key.
     */
    void printStart(PrintWriter out, LlmRouter router) {
        List<String> from = new ArrayList<>();
        if (openAi) {
            from.add(OPENAI_KEY);
        }
        if (anthropic) {
            from.add(ANTHROPIC_KEY);
        }
        out.println(
                "iron-router: serving "
                        + router.baseUri()
                        + " on "
                        + String.join(" and ", from)
                        + ", no budget limit; this token is shown once:");
        if (openAi) {
            out.println("  OPENAI_BASE_URL=" + router.baseUrl() + " OPENAI_API_KEY=" + token);
        }
        if (anthropic) {
            out.println(
                    "  ANTHROPIC_BASE_URL="
                            + stripSlash(router.baseUri().toString())
                            + " ANTHROPIC_API_KEY="
                            + token);
        }
        out.println("  (a router.yaml sets a budget, a fixed token and more: serve --config FILE)");
        out.flush();
    }

    private static String stripSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    /** 32 random bytes, URL-safe: safe in a shell line and an HTTP header. */
    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "ir-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "EnvStart[openai=" + openAi + ", anthropic=" + anthropic + "]";
    }
}
