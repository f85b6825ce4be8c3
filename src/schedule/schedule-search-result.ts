/**
 * The parts of a WFM business-unit schedule search result (genesys-api.md §4.3, `BuAgentSchedulesSearchResponse`)
 * and of a BU activity code (§4.2) that the schedule sync reads. Structural types, so the Genesys client's parsed
 * models fit without conversion.
 */
export interface ScheduleSearchActivity {
  readonly startDate: string;
  readonly lengthMinutes: number;
  readonly activityCodeId: string;
}

export interface ScheduleSearchShift {
  readonly activities?: readonly ScheduleSearchActivity[] | undefined;
}

export interface ScheduleSearchFullDayTimeOff {
  /** Local BU date `yyyy-MM-dd`. */
  readonly businessUnitDate: string;
  readonly startOffsetMinutes?: number | undefined;
  readonly endOffsetMinutes?: number | undefined;
  readonly lengthMinutes?: number | undefined;
  readonly activityCodeId?: string | undefined;
  readonly delete?: boolean | undefined;
}

export interface ScheduleSearchAgent {
  readonly user: { readonly id: string };
  readonly shifts?: readonly ScheduleSearchShift[] | undefined;
  readonly fullDayTimeOffMarkers?: readonly ScheduleSearchFullDayTimeOff[] | undefined;
}

export interface ScheduleSearchResult {
  readonly agentSchedules?: readonly ScheduleSearchAgent[] | undefined;
  readonly businessUnitTimeZone?: string | undefined;
}

export interface ActivityCodeInfo {
  readonly id: string;
  readonly category?: string | undefined;
  readonly active?: boolean | undefined;
  readonly secondaryPresences?: readonly { readonly id: string }[] | undefined;
}
