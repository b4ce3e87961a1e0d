import type { Metadata } from 'next';
import { graphql } from '@/generated';
import { safeRead } from '@/lib/api';
import { distanceHistogram } from '@/lib/histogram';
import { ErrorPanel } from '@/components/error-panel';
import { dayIn } from '@/lib/format';
import { DailyChart, DistanceHistogram } from '@/components/charts';

export const metadata: Metadata = { title: 'Overview' };

const OverviewPeopleDocument = graphql(`
  query OverviewPeople {
    people(first: 200) {
      totalCount
      edges {
        node {
          sampleCount
        }
      }
    }
  }
`);

const OverviewStatsDocument = graphql(`
  query OverviewStats($from: DateTime!) {
    stats(from: $from) {
      day
      accepted
      refused
      stepUp
      error
    }
    settings {
      threshold
    }
    serverTimeZone
  }
`);

const OverviewRecentDocument = graphql(`
  query OverviewRecent {
    recognitionEvents(first: 300) {
      edges {
        node {
          distance
          decision
        }
      }
    }
  }
`);

export default async function OverviewPage() {
  // Three reads: the API prices list fields by their size, and one query for all would cost too much.
  const [people, stats, recent] = await Promise.all([
    safeRead(OverviewPeopleDocument),
    // Days counted in the API server's time zone, the one new doors take.
    safeRead(OverviewStatsDocument, { from: new Date(Date.now() - 29 * 86_400_000).toISOString() }),
    safeRead(OverviewRecentDocument),
  ]);
  const error = people.error ?? stats.error ?? recent.error;
  const data = people.data && stats.data && recent.data ? { ...people.data, ...stats.data, ...recent.data } : null;
  if (!data) return <ErrorPanel message={error ?? 'The overview could not be loaded.'} />;
  const samples = data.people.edges.reduce((n, e) => n + e.node.sampleCount, 0);
  const today = dayIn(new Date(), data.serverTimeZone);
  const todayStats = data.stats.find((d) => d.day === today);
  const attemptsToday = todayStats ? todayStats.accepted + todayStats.refused + todayStats.stepUp + todayStats.error : 0;
  const events = data.recognitionEvents.edges.map((e) => e.node);
  const bins = distanceHistogram(events, 24, 1.2);
  return (
    <>
      <h1>Overview</h1>
      <div className="cards">
        <div className="card">
          <div className="figure" data-testid="people-count">
            {data.people.totalCount}
          </div>
          <div className="label">people enrolled</div>
        </div>
        <div className="card">
          <div className="figure" data-testid="sample-count">
            {samples}
            {data.people.totalCount > 200 ? '+' : ''}
          </div>
          <div className="label">face samples</div>
        </div>
        <div className="card">
          <div className="figure" data-testid="attempts-today">
            {attemptsToday}
          </div>
          <div className="label">
            {attemptsToday === 1 ? 'attempt' : 'attempts'} today ({data.serverTimeZone})
            {todayStats
              ? ` · ${todayStats.accepted} accepted, ${todayStats.refused} refused, ${todayStats.stepUp} asked for a second factor, ${todayStats.error} failed (no usable face, refused caller, overload)`
              : ''}
          </div>
        </div>
        <div className="card">
          <div className="figure">{data.settings.threshold.toFixed(3)}</div>
          <div className="label">distance threshold</div>
        </div>
      </div>
      <div className="grid-2">
        <section className="panel" aria-labelledby="daily-title">
          <h2 id="daily-title">Accepted and refused, last 30 days</h2>
          <DailyChart days={data.stats} from={new Date(Date.now() - 29 * 86_400_000)} timeZone={data.serverTimeZone} />
        </section>
        <section className="panel" aria-labelledby="hist-title">
          <h2 id="hist-title">
            {events.length === 0
              ? 'Distances of attempts: none yet'
              : events.length === 1
                ? 'Distance of the one attempt so far'
                : `Distances of the last ${events.length} attempts`}
          </h2>
          <DistanceHistogram bins={bins} threshold={data.settings.threshold} max={1.2} />
        </section>
      </div>
    </>
  );
}
