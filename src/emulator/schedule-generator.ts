import type { ActivityCode } from './activity-codes';
import type {
  BuAgentScheduleActivityView,
  BuAgentScheduleSearchView,
  BuAgentScheduleShiftView,
  BuAgentSchedulesSearchResponseView,
  BuFullDayTimeOffMarkerView,
} from './api-models';
import type { SeededOrg, SeededUser } from './org-seed';
import { deriveSeed, SeededRandom } from './seeded-random';
import { addDays, dayOfWeek, localDate, weekStart, zonedToEpoch } from './zoned-time';

const MINUTE = 60_000;
const SHIFT_MINUTES = 510;

/** Working days (0 = Sunday) by rota, and shift start (minutes after local midnight) by shift group. */
const ROTAS: ReadonlyArray<readonly number[]> = [
  [1, 2, 3, 4, 5],
  [2, 3, 4, 5, 6],
  [0, 1, 2, 3, 4],
  [3, 4, 5, 6, 0],
];
const STARTS = [360, 420, 480, 540, 780, 1320];
const OVERNIGHT_START = 1320;

interface Block {
  offset: number;
  length: number;
  code: ActivityCode;
}

/**
 * Published WFM schedules as a pure function of (seed, agent, business-unit date): nothing is stored, so
 * any range can be searched and the answer is the same on every run. Published weeks are the current week
 * (Monday start, BU time zone) of the emulator clock, the week before and the two after.
 */
export class ScheduleGenerator {
  private readonly codes: Record<string, ActivityCode>;

  constructor(
    private readonly seed: number,
    private readonly org: SeededOrg,
  ) {
    this.codes = Object.fromEntries(org.activityCodes.map((c) => [c.name, c]));
  }

  get timeZone(): string {
    return this.org.businessUnit.timeZone;
  }

  /** Monday dates of the published weeks at `nowMs`. */
  publishedWeeks(nowMs: number): string[] {
    const current = weekStart(localDate(nowMs, this.timeZone));
    return [-7, 0, 7, 14].map((d) => addDays(current, d));
  }

  weekScheduleId(weekDate: string): string {
    return new SeededRandom(deriveSeed(this.seed, `week:${weekDate}`)).uuid();
  }

  /** Shifts overlapping [startMs, endMs) and full-day time off on BU dates overlapping it, per user. */
  search(
    users: readonly SeededUser[],
    startMs: number,
    endMs: number,
    nowMs: number,
  ): BuAgentSchedulesSearchResponseView {
    const weeks = this.publishedWeeks(nowMs);
    const firstPublished = weeks[0]!;
    const lastPublished = addDays(weeks[weeks.length - 1]!, 6);
    const rangeFirstDate = localDate(startMs, this.timeZone);
    // From the day before: an overnight shift that started then may reach into the range.
    const firstDate = addDays(rangeFirstDate, -1);
    const lastDate = localDate(endMs - 1, this.timeZone);
    const dates: string[] = [];
    for (let d = firstDate; d <= lastDate; d = addDays(d, 1)) {
      if (d >= firstPublished && d <= lastPublished) {
        dates.push(d);
      }
    }
    const agentSchedules: BuAgentScheduleSearchView[] = users.map((user) => {
      const shifts: BuAgentScheduleShiftView[] = [];
      const fullDayTimeOffMarkers: BuFullDayTimeOffMarkerView[] = [];
      for (const date of dates) {
        const day = this.day(user, date);
        if (day.shift !== undefined) {
          const start = Date.parse(day.shift.startDate);
          if (start < endMs && start + day.shift.lengthMinutes * MINUTE > startMs) {
            shifts.push(day.shift);
          }
        }
        if (day.timeOff !== undefined) {
          const dayStart = zonedToEpoch(date, 0, this.timeZone);
          const dayEnd = zonedToEpoch(addDays(date, 1), 0, this.timeZone);
          if (dayStart < endMs && dayEnd > startMs) {
            fullDayTimeOffMarkers.push(day.timeOff);
          }
        }
      }
      return { user: { id: user.id, selfUri: `/api/v2/users/${user.id}` }, shifts, fullDayTimeOffMarkers };
    });
    const buId = this.org.businessUnit.id;
    return {
      agentSchedules,
      businessUnitTimeZone: this.timeZone,
      publishedSchedules: weeks
        .filter((w) => w <= lastDate && addDays(w, 7) > rangeFirstDate)
        .map((weekDate) => {
          const id = this.weekScheduleId(weekDate);
          return {
            id,
            weekDate,
            weekCount: 1,
            selfUri: `/api/v2/workforcemanagement/businessunits/${buId}/weeks/${weekDate}/schedules/${id}`,
          };
        }),
    };
  }

  /** One agent's plan for one BU date: a shift, full-day time off, or nothing (day off). */
  day(
    user: SeededUser,
    date: string,
  ): { shift?: BuAgentScheduleShiftView; timeOff?: BuFullDayTimeOffMarkerView } {
    const rota = ROTAS[user.index % ROTAS.length]!;
    const dow = dayOfWeek(date);
    if (!rota.includes(dow)) {
      return {};
    }
    const baseStart = STARTS[user.index % STARTS.length]!;
    if (user.index % 10 === 7 && dow === 3) {
      const vacation = this.code('Vacation');
      return {
        timeOff: {
          businessUnitDate: date,
          startOffsetMinutes: baseStart,
          endOffsetMinutes: baseStart + 480,
          lengthMinutes: 480,
          description: vacation.name,
          activityCodeId: vacation.id,
          paid: true,
          payableMinutes: 480,
        },
      };
    }
    const rng = new SeededRandom(deriveSeed(this.seed, `shift:${user.id}:${date}`));
    const startMinutes = baseStart === OVERNIGHT_START ? baseStart : baseStart + rng.int(0, 1) * 30;
    const shiftStart = zonedToEpoch(date, startMinutes, this.timeZone);
    const blocks: Block[] = [
      { offset: 120, length: 15, code: this.code(rng.next() < 0.5 ? 'Break' : 'Coffee Break') },
      { offset: 240, length: 30, code: this.code(rng.next() < 0.5 ? 'Meal' : 'Lunch') },
      { offset: 390, length: 15, code: this.code('Break') },
    ];
    const roll = rng.next();
    if (roll < 0.15) {
      blocks.push({ offset: 150, length: 60, code: this.code('Training') });
    } else if (roll < 0.25) {
      blocks.push({ offset: 150, length: 30, code: this.code('Coaching') });
    }
    const meeting = rng.next();
    if (meeting < 0.15) {
      blocks.push({ offset: 300, length: 30, code: this.code('Meeting') });
    } else if (meeting < 0.3) {
      blocks.push({ offset: 300, length: 15, code: this.code('Team Huddle') });
    }
    if (rng.next() < 0.2) {
      blocks.push({ offset: 420, length: 60, code: this.code('Back Office') });
    }
    blocks.sort((a, b) => a.offset - b.offset);

    const onQueue = this.code('On Queue Work');
    const activities: BuAgentScheduleActivityView[] = [];
    let cursor = 0;
    const push = (offset: number, length: number, code: ActivityCode): void => {
      activities.push({
        startDate: new Date(shiftStart + offset * MINUTE).toISOString(),
        lengthMinutes: length,
        description: code.name,
        activityCodeId: code.id,
        paid: code.countsAsPaidTime,
        payableMinutes: code.countsAsPaidTime ? length : 0,
      });
    };
    for (const block of blocks) {
      if (block.offset > cursor) {
        push(cursor, block.offset - cursor, onQueue);
      }
      push(block.offset, block.length, block.code);
      cursor = block.offset + block.length;
    }
    if (cursor < SHIFT_MINUTES) {
      push(cursor, SHIFT_MINUTES - cursor, onQueue);
    }
    const week = weekStart(date);
    const scheduleId = this.weekScheduleId(week);
    return {
      shift: {
        id: rng.uuid(),
        startDate: new Date(shiftStart).toISOString(),
        lengthMinutes: SHIFT_MINUTES,
        activities,
        manuallyEdited: false,
        schedule: {
          id: scheduleId,
          weekDate: week,
          selfUri: `/api/v2/workforcemanagement/businessunits/${this.org.businessUnit.id}/weeks/${week}/schedules/${scheduleId}`,
        },
      },
    };
  }

  private code(name: string): ActivityCode {
    const code = this.codes[name];
    if (code === undefined) {
      throw new Error(`seed invariant: activity code "${name}" exists`);
    }
    return code;
  }
}
