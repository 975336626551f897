/**
 * Provider-facing request and response handling shared by OpenAI and Anthropic. Jackson is allowed
 * here; nothing does I/O, reads a clock or logs.
 *
 * <ul>
 *   <li>{@code RequestShapes}: the pricing facts of a JSON request body;
 *   <li>{@code ApiKind}: which provider API a path addresses;
 *   <li>{@code SseParser} / {@code SseEvent}: byte-exact, incremental server-sent-event parsing;
 *   <li>{@code UsageExtraction}: the token usage of a whole JSON response;
 *   <li>{@code StreamUsage}: the token usage of a streamed response, event by event;
 *   <li>{@code OpenAiStreams}: asking OpenAI streams for usage, and hiding the extra chunk.
 * </ul>
 */
package io.ironcage.router.core.provider;
