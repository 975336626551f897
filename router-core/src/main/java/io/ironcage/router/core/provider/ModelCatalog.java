package io.ironcage.router.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.domain.ModelEntry;
import java.util.List;
import java.util.Optional;

/**
 * One provider's model list on the wire ({@code GET /v1/models} and {@code GET /v1/models/{id}}):
 * how the router asks for a page, reads the provider's answers into {@link ModelEntry}s, and writes
 * entries of any provider in this provider's format for a caller that speaks it. Stateless and
 * thread-safe; nothing here does I/O.
 */
public interface ModelCatalog {
    /**
     * Returns the query string of a request for one page of the list.
     *
     * @param afterId the cursor from the previous page ({@link ModelPage#nextAfterId()}); empty for
     *     the first page
     * @return the query without {@code ?}; empty for none
     */
    String listQuery(Optional<String> afterId);

    /**
     * Reads one page of this provider's list.
     *
     * @param answer the provider's 2xx answer, parsed
     * @return the page, or empty when the answer is not a model list of this provider's shape (no
     *     {@code data} array); entries without a string {@code id} are left out
     */
    Optional<ModelPage> page(JsonNode answer);

    /**
     * Reads this provider's answer about one model.
     *
     * @param answer the provider's 2xx answer, parsed
     * @return the model, or empty when the answer is not a model object with a string {@code id}
     */
    Optional<ModelEntry> model(JsonNode answer);

    /**
     * Writes a whole list in this provider's format, as one page with nothing after it.
     *
     * @param models the models, of any provider, in the order to show
     * @return the list object
     */
    ObjectNode renderList(List<ModelEntry> models);

    /**
     * Writes one model in this provider's format.
     *
     * @param model a model of any provider
     * @return the model object
     */
    ObjectNode renderModel(ModelEntry model);

    /**
     * Writes the other provider's error answer in this provider's error format.
     *
     * @param otherProvidersError the other provider's error body, parsed; {@code null} when it was
     *     not JSON
     * @param status the HTTP status, 400–599
     * @return the error object
     */
    ObjectNode errorFromOther(JsonNode otherProvidersError, int status);
}
