// The Access page's data, as its query reads it (page.tsx), shared by its forms.

type DoorSettings = {
  falseAcceptRate: number | null;
  thresholdOverride: number | null;
  stepUp: boolean | null;
  liveness: string | null;
  livenessLivePoint: number | null;
  minFrames: number | null;
  requirePin: boolean | null;
  threshold: number;
};
/** Where the liveness scores of the door's accepted attempts lie (administrators only). */
export type LivenessCalibration = {
  points: { attack: number; live: number } | null;
  calibrated: boolean;
  attempts: number;
  markedLive: number;
  quantiles: { q: number; score: number }[];
  suggestedLivePoint: number | null;
  stepUpNow: number | null;
};
export type DoorRow = {
  id: string;
  name: string;
  timeZone: string;
  access: 'EVERYONE' | 'GROUPS';
  settings: DoorSettings;
  calibration?: LivenessCalibration | null;
};
export type ScheduleRow = {
  id: string;
  name: string;
  windows: { days: number[]; from: string; to: string }[];
  exceptions: { date: string; windows: { from: string; to: string }[] }[];
};
type Pass = { id: string; validFrom: string; validUntil: string; revokedAt: string | null; doors: { id: string; name: string }[] };
export type PersonRow = { id: string; name: string; active: boolean; hasPin: boolean; passes: Pass[] };

export interface AccessData {
  doors: DoorRow[];
  schedules: ScheduleRow[];
  accessGroups: {
    id: string;
    name: string;
    members: { id: string; name: string }[];
    doors: { door: { id: string; name: string } | null; schedule: { id: string; name: string } | null }[];
  }[];
  people: { edges: { node: PersonRow }[] };
}
