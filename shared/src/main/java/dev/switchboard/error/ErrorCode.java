package dev.switchboard.error;

/**
 * Every error the API answers, with its HTTP status: the one mapping from failure to wire.
 * Codes are stable strings clients may branch on; messages are for people.
 */
public enum ErrorCode {
  INVALID_REQUEST(400, "invalid_request"),
  ADDRESS_REQUIRED(400, "address_required"),
  INVALID_SIGNATURE(400, "invalid_signature"),
  INVALID_PAYLOAD(400, "invalid_payload"),
  UNAUTHORIZED(401, "unauthorized"),
  INSUFFICIENT_FUNDS(402, "insufficient_funds"),
  NOT_FOUND(404, "not_found"),
  ORG_NOT_FOUND(404, "org_not_found"),
  METHOD_NOT_ALLOWED(405, "method_not_allowed"),
  NUMBER_EXISTS(409, "number_exists"),
  IDEMPOTENCY_CONFLICT(409, "idempotency_conflict"),
  REQUEST_IN_PROGRESS(409, "request_in_progress"),
  TELEPHONY_ACCOUNT_UNAVAILABLE(409, "telephony_account_unavailable"),
  NO_NUMBERS_AVAILABLE(409, "no_numbers_available"),
  PAYLOAD_TOO_LARGE(413, "payload_too_large"),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
  /** A per-organisation limit; the answer carries Retry-After and retryAfterSeconds. */
  RATE_LIMITED(429, "rate_limited"),
  INTERNAL(500, "internal_error"),
  EVENT_NOT_APPLIED(500, "event_not_applied"),
  PROVIDER_ERROR(502, "provider_error"),
  /** The webhook has no signing secret yet (a first deploy still registering it): Stripe retries. */
  WEBHOOK_NOT_READY(503, "webhook_not_ready"),
  /** No database connection to be had now (a connection storm); Retry-After says when to retry. */
  SERVICE_UNAVAILABLE(503, "service_unavailable"),
  /**
   * The database went away after the wallet was charged: the purchase will be finished or
   * refunded without anyone acting; a retry with the same Idempotency-Key after Retry-After
   * says which.
   */
  OUTCOME_PENDING(503, "outcome_pending");

  private final int status;
  private final String wire;

  ErrorCode(int status, String wire) {
    this.status = status;
    this.wire = wire;
  }

  public int status() {
    return status;
  }

  public String wire() {
    return wire;
  }
}
