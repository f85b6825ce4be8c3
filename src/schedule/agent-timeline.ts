import { z } from 'zod';

/** WFM activity categories (genesys-api.md §4.2). */
export const ACTIVITY_CATEGORIES = [
  'OnQueueWork',
  'Break',
  'Meal',
  'Meeting',
  'OffQueueWork',
  'TimeOff',
  'Training',
  'Unavailable',
] as const;
export type ActivityCategory = (typeof ACTIVITY_CATEGORIES)[number];

/** One scheduled activity of an agent, with its activity code already resolved. */
export const scheduledActivitySchema = z.object({
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  activityCodeId: z.string(),
  category: z.enum(ACTIVITY_CATEGORIES),
  /** Organisation secondary presence definition ids tied to the activity code (may be empty). */
  secondaryPresenceIds: z.array(z.string()),
  /** True for full-day time off (`fullDayTimeOffMarkers`). */
  fullDay: z.boolean().optional(),
});
export type ScheduledActivity = z.infer<typeof scheduledActivitySchema>;

/**
 * An agent's published schedule over a window, sorted by start, as stored in the Redis schedule cache by the
 * schedule sync and read by the presence worker's policy check. Times outside every activity but inside
 * [windowStart, windowEnd) are "unscheduled" (off shift); outside the window the schedule is unknown.
 */
export const agentTimelineSchema = z.object({
  userId: z.string(),
  businessUnitId: z.string(),
  managementUnitId: z.string().optional(),
  /** IANA time zone of the business unit. */
  timeZone: z.string(),
  windowStart: z.iso.datetime(),
  windowEnd: z.iso.datetime(),
  activities: z.array(scheduledActivitySchema),
  /** When this timeline was fetched from WFM. */
  syncedAt: z.iso.datetime(),
});
export type AgentTimeline = z.infer<typeof agentTimelineSchema>;

/** The schedule as the policy sees it at one instant. */
export type ScheduleLookup =
  | { kind: 'activity'; activity: ScheduledActivity; timeZone: string }
  | { kind: 'unscheduled'; timeZone: string }
  | { kind: 'unknown'; reason: string };

/** Where the presence worker gets an agent's schedule (a Redis cache kept by the schedule sync). */
export interface ScheduleSource {
  lookup(userId: string, at: Date): Promise<ScheduleLookup>;
}
