/** BullMQ queue names of the presence pipeline (the BullMQ prefix is `QUEUE_PREFIX`). */
export const PRESENCE_CHANGE_QUEUE = 'presence-change';

/** Jobs that failed for good (permanent 4xx, invalid payload, attempts exhausted), with the reason. */
export const PRESENCE_DEAD_LETTER_QUEUE = 'presence-change-dead-letter';
