/**
 * Provider-facing request handling shared by OpenAI and Anthropic: reading the pricing facts of a
 * JSON request body ({@code RequestShapes}). Jackson is allowed here.
 */
package io.ironcage.router.core.provider;
