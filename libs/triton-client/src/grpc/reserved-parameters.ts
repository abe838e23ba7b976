/**
 * Request parameter (bool) asking Triton to send an empty response that carries
 * {@link TRITON_FINAL_RESPONSE} when a decoupled model finishes a request without data.
 */
export const TRITON_ENABLE_EMPTY_FINAL_RESPONSE = 'triton_enable_empty_final_response';

/** Response parameter (bool) that is true on the last response of a streamed request. */
export const TRITON_FINAL_RESPONSE = 'triton_final_response';
