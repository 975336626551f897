package io.ironcage.router.core.spi;

/** The reason phrases of the statuses a transport answers by itself. */
final class TransportStatus {
    private TransportStatus() {}

    /** The reason phrase of a status a transport may answer on its own. */
    static String reason(int status) {
        switch (status) {
            case 400:
                return "Bad request";
            case 408:
                return "Request timeout";
            case 413:
                return "Payload too large";
            case 414:
                return "URI too long";
            case 431:
                return "Request header fields too large";
            case 503:
                return "Service unavailable";
            default:
                return "Error " + status;
        }
    }
}
