// Use case 3, Privacy-First Edge Analytics: the seed's RegionalAnalyticsDO methods.
// The SQL is verbatim; db.ts says what of the JavaScript was adapted.
import type { SeedDb } from './db.js';

interface AnalyticsEvent {
  sessionId: string;
  userId?: string;
  ipAddress?: string;
  userAgent?: string;
  eventType: string;
  eventData?: Record<string, unknown>;
  pageUrl: string;
  referrer?: string;
  timestamp: number;
}

async function updateSession(tx: SeedDb, sessionId: string, userHash: string | null, timestamp: string): Promise<boolean> {
  const [existing] = await tx.query<{ session_id: string }>(
    'SELECT session_id FROM active_sessions WHERE session_id = ?',
    [sessionId],
  );
  if (existing) {
    await tx.run(`
      UPDATE active_sessions
      SET last_seen = ?,
          event_count = event_count + 1
      WHERE session_id = ?
    `, [timestamp, sessionId]);
    return false;
  }
  await tx.run(`
    INSERT INTO active_sessions (session_id, user_hash, first_seen, last_seen, event_count)
    VALUES (?, ?, ?, ?, 1)
  `, [sessionId, userHash, timestamp, timestamp]);
  return true;
}

export const analytics = {
  async ingest(db: SeedDb, event: AnalyticsEvent) {
    const timestamp = new Date(event.timestamp).toISOString();
    const minute = timestamp.slice(0, 16) + ':00';
    const pagePath = new URL(event.pageUrl).pathname;
    // Adapted: the seed's createCrypto().hash(userId + HASH_SALT) is not provided.
    const userHash = event.userId ? `h:${event.userId}` : null;
    await db.transaction(async (tx) => {
      await tx.run(`
        INSERT INTO raw_events (
          session_id, user_id, ip_address, user_agent,
          event_type, event_data, page_url, referrer, timestamp
        ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      `, [event.sessionId, event.userId ?? null, event.ipAddress ?? null, event.userAgent ?? null, event.eventType, JSON.stringify(event.eventData || {}), event.pageUrl, event.referrer || null, timestamp]);
      const isNewSession = await updateSession(tx, event.sessionId, userHash, timestamp);
      await tx.run(`
        INSERT INTO minute_aggregates (minute, event_type, page_path, event_count, unique_sessions, unique_users)
        VALUES (?, ?, ?, 1, ?, ?)
        ON CONFLICT (minute, event_type, page_path) DO UPDATE SET
          event_count = event_count + 1,
          unique_sessions = unique_sessions + excluded.unique_sessions,
          unique_users = unique_users + excluded.unique_users
      `, [minute, event.eventType, pagePath, isNewSession ? 1 : 0, isNewSession && userHash ? 1 : 0]);
    });
    return { success: true };
  },
  async query(db: SeedDb, params: { range?: string; event_type?: string }) {
    const range = params.range || 'day';
    const eventType = params.event_type;
    let timeRange: string;
    switch (range) {
      case 'hour':
        timeRange = "datetime('now', '-1 hour')";
        break;
      case 'day':
        timeRange = "datetime('now', '-1 day')";
        break;
      case 'week':
        timeRange = "datetime('now', '-7 days')";
        break;
      default:
        timeRange = "datetime('now', '-1 day')";
    }
    let query = `
      SELECT
        event_type,
        SUM(event_count) as total_events,
        SUM(unique_sessions) as total_sessions
      FROM minute_aggregates
      WHERE minute >= ${timeRange}
    `;
    const queryParams: string[] = [];
    if (eventType) {
      query += ' AND event_type = ?';
      queryParams.push(eventType);
    }
    query += ' GROUP BY event_type ORDER BY total_events DESC';
    const metrics = await db.query(query, queryParams);
    return { range, metrics };
  },
  async realtime(db: SeedDb) {
    const metrics = await db.query(`
      SELECT minute, event_type, event_count
      FROM minute_aggregates
      WHERE minute >= datetime('now', '-5 minutes')
      ORDER BY minute DESC, event_count DESC
    `);
    const [sessionCount] = await db.query<{ count: number }>(`
      SELECT COUNT(*) as count FROM active_sessions
      WHERE last_seen >= datetime('now', '-30 minutes')
    `);
    return { activeSessions: sessionCount!.count, recentMetrics: metrics };
  },
  /** syncToGlobal: the rollups it would POST to the global object (adapted: returned). */
  async syncToGlobal(db: SeedDb) {
    const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
    const rollups = await db.query(`
      SELECT event_type, SUM(event_count) as total_events, SUM(unique_sessions) as unique_sessions
      FROM minute_aggregates
      WHERE minute BETWEEN ? AND ?
      GROUP BY event_type
    `, [`${yesterday}T00:00:00`, `${yesterday}T23:59:59`]);
    return { date: yesterday, rollups };
  },
  async cleanupExpiredData(db: SeedDb) {
    await db.run(`
      DELETE FROM raw_events
      WHERE ingested_at < datetime('now', '-30 days')
    `);
    await db.run(`
      DELETE FROM active_sessions
      WHERE last_seen < datetime('now', '-30 minutes')
    `);
    await db.run(`
      INSERT INTO daily_aggregates (date, event_type, page_path, total_events, unique_sessions, unique_users)
      SELECT
        date(minute) as date,
        event_type,
        page_path,
        SUM(event_count),
        SUM(unique_sessions),
        SUM(unique_users)
      FROM minute_aggregates
      WHERE minute < datetime('now', '-7 days')
      GROUP BY date(minute), event_type, page_path
      ON CONFLICT DO UPDATE SET
        total_events = total_events + excluded.total_events,
        unique_sessions = unique_sessions + excluded.unique_sessions,
        unique_users = unique_users + excluded.unique_users
    `);
    await db.run(`
      DELETE FROM minute_aggregates
      WHERE minute < datetime('now', '-7 days')
    `);
    return null;
  },
  /** queryHistorical (region: the seed's env.REGION, passed in). */
  async queryHistorical(db: SeedDb, { region, startDate, endDate, eventType }: { region: string; startDate: string; endDate: string; eventType?: string }) {
    let query = `
      SELECT date, event_type, SUM(total_events) as total
      FROM 'r2://regional-archive/${region}/daily/*.parquet'
      WHERE date BETWEEN ? AND ?
    `;
    const params: string[] = [startDate, endDate];
    if (eventType) {
      query += ' AND event_type = ?';
      params.push(eventType);
    }
    query += ' GROUP BY date, event_type ORDER BY date';
    return db.query(query, params);
  },
};
