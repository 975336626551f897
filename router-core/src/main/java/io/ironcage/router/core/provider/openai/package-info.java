/** The OpenAI binding of the request path: Chat Completions, Responses and Embeddings. */
package io.ironcage.router.core.provider.openai;
