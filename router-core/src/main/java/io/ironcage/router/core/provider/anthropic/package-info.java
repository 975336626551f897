/**
 * The Anthropic binding ({@code AnthropicApi}) and the translation between the OpenAI Chat
 * Completions and the Anthropic Messages formats, as pure functions over Jackson trees (no I/O, no
 * clock, no logging).
 *
 * <ul>
 *   <li>{@code OpenAiToAnthropic.request}: a Chat Completions request for an Anthropic model;
 *   <li>{@code AnthropicToOpenAi.response}: the Anthropic answer back as a {@code chat.completion};
 *   <li>{@code AnthropicToOpenAi.request}: a Messages request (Anthropic SDK, coding agents) for an
 *       OpenAI model;
 *   <li>{@code OpenAiToAnthropic.response}: the OpenAI answer back as an Anthropic message;
 *   <li>{@code AnthropicToOpenAiStream} and {@code OpenAiToAnthropicStream}: streamed answers, one
 *       small state machine per stream, fed one event at a time;
 *   <li>{@code AnthropicToOpenAi.error} and {@code OpenAiToAnthropic.error}: upstream error bodies.
 * </ul>
 *
 * <p>Inside, each concern has one place: {@code OpenAiToAnthropicMessages} and {@code
 * AnthropicToOpenAiMessages} translate the messages of a request, {@code ToolTranslation} tools and
 * tool calls both ways, {@code ErrorTranslation} error bodies both ways, and {@code Trees} holds
 * the small vocabulary they share (field checks naming the field).
 *
 * <p>A field that cannot be translated raises {@link
 * io.ironcage.router.core.errors.TranslationException} naming it (the router answers 400).
 */
package io.ironcage.router.core.provider.anthropic;
