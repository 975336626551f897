/**
 * Code that is not part of the public API: error-body rendering ({@code ErrorResponses}) and,
 * later, the request pipeline. Anything in core may be used here, Jackson included; public methods
 * outside this package never expose its types (ArchitectureTest C5).
 */
package io.ironcage.router.core.internal;
