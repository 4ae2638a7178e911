// Use case 5, IoT Telemetry Processing: the seed's building telemetry object's methods.
// The SQL is verbatim; db.ts says what of the JavaScript was adapted.
import type { SeedDb } from './db.js';

interface SensorReading {
  sensorId: string;
  sensorType: string;
  value: number;
  unit: string;
  quality?: number;
  timestamp: number;
}
interface AlertRule {
  id: number;
  sensorId: string | null;
  sensorType: string;
  condition: string;
  thresholdValue: number | null;
  thresholdMin: number | null;
  thresholdMax: number | null;
  severity: string;
  cooldownSeconds: number;
}

async function ingestOne(tx: SeedDb, reading: SensorReading): Promise<void> {
  const timestamp = new Date(reading.timestamp).toISOString();
  const minute = timestamp.slice(0, 16) + ':00';
  await tx.run(`
    INSERT INTO readings (sensor_id, sensor_type, value, unit, quality, timestamp)
    VALUES (?, ?, ?, ?, ?, ?)
  `, [reading.sensorId, reading.sensorType, reading.value, reading.unit, reading.quality ?? 100, timestamp]);
  await tx.run(`
    INSERT INTO minute_aggregates (sensor_id, sensor_type, minute, min_value, max_value, sum_value, count, avg_quality)
    VALUES (?, ?, ?, ?, ?, ?, 1, ?)
    ON CONFLICT (sensor_id, minute) DO UPDATE SET
      min_value = MIN(min_value, excluded.min_value),
      max_value = MAX(max_value, excluded.max_value),
      sum_value = sum_value + excluded.sum_value,
      count = count + 1,
      avg_quality = (avg_quality * count + excluded.avg_quality) / (count + 1)
  `, [reading.sensorId, reading.sensorType, minute, reading.value, reading.value, reading.value, reading.quality ?? 100]);
}

async function checkAlertRules(db: SeedDb, reading: SensorReading): Promise<{ id: number; severity: string } | null> {
  // As written, the rules come back with snake_case columns while the seed reads camelCase
  // fields (thresholdValue, cooldownSeconds, …): those are undefined on both databases alike.
  const rules = await db.query<AlertRule>(`
    SELECT * FROM alert_rules
    WHERE enabled = 1
      AND sensor_type = ?
      AND (sensor_id IS NULL OR sensor_id = ?)
  `, [reading.sensorType, reading.sensorId]);
  for (const rule of rules) {
    let triggered = false;
    let thresholdValue = rule.thresholdValue ?? 0;
    switch (rule.condition) {
      case 'gt':
        triggered = reading.value > (rule.thresholdValue ?? 0);
        break;
      case 'gte':
        triggered = reading.value >= (rule.thresholdValue ?? 0);
        break;
      case 'lt':
        triggered = reading.value < (rule.thresholdValue ?? 0);
        break;
      case 'lte':
        triggered = reading.value <= (rule.thresholdValue ?? 0);
        break;
      case 'range_outside':
        triggered = reading.value < (rule.thresholdMin ?? 0) || reading.value > (rule.thresholdMax ?? 0);
        thresholdValue = reading.value < (rule.thresholdMin ?? 0) ? rule.thresholdMin ?? 0 : rule.thresholdMax ?? 0;
        break;
    }
    if (!triggered) continue;
    const [recentAlert] = await db.query<{ id: number; triggered_at: string }>(`
      SELECT id, triggered_at FROM active_alerts
      WHERE rule_id = ? AND sensor_id = ? AND status = 'ACTIVE'
        AND datetime(triggered_at) > datetime('now', '-' || ? || ' seconds')
      LIMIT 1
    `, [rule.id, reading.sensorId, rule.cooldownSeconds ?? null]);
    if (recentAlert) continue;
    const timestamp = new Date(reading.timestamp).toISOString();
    const result = await db.run(`
      INSERT INTO active_alerts (
        rule_id, sensor_id, sensor_type,
        trigger_value, threshold_value, severity, triggered_at
      ) VALUES (?, ?, ?, ?, ?, ?, ?)
    `, [rule.id, reading.sensorId, reading.sensorType, reading.value, thresholdValue, rule.severity, timestamp]);
    return { id: Number(result.lastRowId), severity: rule.severity };
  }
  return null;
}

export const telemetry = {
  async ingest(db: SeedDb, reading: SensorReading) {
    await db.transaction(async (tx) => ingestOne(tx, reading));
    const alert = await checkAlertRules(db, reading);
    return { success: true, alert: alert ? { id: alert.id, severity: alert.severity } : null };
  },
  async ingestBatch(db: SeedDb, readings: SensorReading[]) {
    const alerts: unknown[] = [];
    await db.transaction(async (tx) => {
      for (const reading of readings) await ingestOne(tx, reading);
    });
    for (const reading of readings) {
      const alert = await checkAlertRules(db, reading);
      if (alert) alerts.push(alert);
    }
    return { success: true, ingested: readings.length, alerts: alerts.length };
  },
  async alertSocketInit(db: SeedDb) {
    const activeAlerts = await db.query(`
      SELECT * FROM active_alerts WHERE status = 'ACTIVE' ORDER BY triggered_at DESC
    `);
    return { activeAlerts };
  },
  async realtimeQuery(db: SeedDb, params: { type?: string; minutes?: string }) {
    const sensorType = params.type;
    const minutes = parseInt(params.minutes || '5');
    let query = `
      SELECT sensor_id, sensor_type, minute,
             sum_value / count as avg_value,
             min_value, max_value
      FROM minute_aggregates
      WHERE minute >= datetime('now', '-${minutes} minutes')
    `;
    if (sensorType) query += ` AND sensor_type = '${sensorType}'`;
    query += ' ORDER BY minute DESC, sensor_id';
    const data = await db.query(query);
    return { data };
  },
  async query(db: SeedDb, params: { sensor_id?: string; type?: string; hours?: string; granularity?: string }) {
    const sensorId = params.sensor_id;
    const sensorType = params.type;
    const hours = parseInt(params.hours || '24');
    const granularity = params.granularity || 'minute';
    const table = granularity === 'hour' ? 'hourly_aggregates' : 'minute_aggregates';
    const timeColumn = granularity === 'hour' ? 'hour' : 'minute';
    let query = `
      SELECT sensor_id, sensor_type, ${timeColumn} as timestamp,
             ${granularity === 'hour' ? 'avg_value' : 'sum_value / count as avg_value'},
             min_value, max_value
      FROM ${table}
      WHERE ${timeColumn} >= datetime('now', '-${hours} hours')
    `;
    if (sensorId) query += ` AND sensor_id = '${sensorId}'`;
    if (sensorType) query += ` AND sensor_type = '${sensorType}'`;
    query += ` ORDER BY ${timeColumn}`;
    const data = await db.query(query);
    return { data };
  },
  async runDataLifecycle(db: SeedDb) {
    await db.run(`
      INSERT INTO hourly_aggregates (sensor_id, sensor_type, hour, min_value, max_value, avg_value, sum_value, reading_count)
      SELECT
        sensor_id, sensor_type,
        strftime('%Y-%m-%dT%H:00:00', minute) as hour,
        MIN(min_value),
        MAX(max_value),
        SUM(sum_value) / SUM(count),
        SUM(sum_value),
        SUM(count)
      FROM minute_aggregates
      WHERE minute < datetime('now', '-1 day')
      GROUP BY sensor_id, sensor_type, hour
      ON CONFLICT (sensor_id, hour) DO UPDATE SET
        min_value = MIN(min_value, excluded.min_value),
        max_value = MAX(max_value, excluded.max_value),
        sum_value = sum_value + excluded.sum_value,
        reading_count = reading_count + excluded.reading_count,
        avg_value = (sum_value + excluded.sum_value) / (reading_count + excluded.reading_count)
    `);
    await db.run(`DELETE FROM minute_aggregates WHERE minute < datetime('now', '-7 days')`);
    await db.run(`DELETE FROM readings WHERE timestamp < datetime('now', '-24 hours')`);
    await db.run(`DELETE FROM hourly_aggregates WHERE hour < datetime('now', '-30 days')`);
    await db.run(`
      INSERT INTO alert_history (alert_id, sensor_id, sensor_type, severity, trigger_value, duration_seconds, triggered_at, resolved_at)
      SELECT
        id, sensor_id, sensor_type, severity, trigger_value,
        CAST((julianday(resolved_at) - julianday(triggered_at)) * 86400 AS INTEGER),
        triggered_at, resolved_at
      FROM active_alerts
      WHERE status = 'RESOLVED' AND resolved_at < datetime('now', '-1 day')
    `);
    await db.run(`DELETE FROM active_alerts WHERE status = 'RESOLVED' AND resolved_at < datetime('now', '-1 day')`);
    return null;
  },
  async getAlertRules(db: SeedDb) {
    const rules = await db.query('SELECT * FROM alert_rules ORDER BY sensor_type, severity');
    return { rules };
  },
  async createAlertRule(db: SeedDb, body: Partial<AlertRule>) {
    const result = await db.run(`
      INSERT INTO alert_rules (sensor_id, sensor_type, condition, threshold_value, threshold_min, threshold_max, severity, cooldown_seconds)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    `, [body.sensorId || null, body.sensorType!, body.condition!, body.thresholdValue ?? null, body.thresholdMin ?? null, body.thresholdMax ?? null, body.severity || 'warning', body.cooldownSeconds || 300]);
    return { id: Number(result.lastRowId) };
  },
  async getActiveAlerts(db: SeedDb) {
    const alerts = await db.query(`
      SELECT a.*, r.condition, r.cooldown_seconds
      FROM active_alerts a
      JOIN alert_rules r ON a.rule_id = r.id
      WHERE a.status IN ('ACTIVE', 'ACKNOWLEDGED')
      ORDER BY
        CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
        a.triggered_at DESC
    `);
    return { alerts };
  },
  async acknowledgeAlert(db: SeedDb, body: { alertId: number; userId: string }) {
    await db.run(`
      UPDATE active_alerts
      SET status = 'ACKNOWLEDGED',
          acknowledged_at = CURRENT_TIMESTAMP,
          acknowledged_by = ?
      WHERE id = ? AND status = 'ACTIVE'
    `, [body.userId, body.alertId]);
    return { success: true };
  },
  /**
   * handleHistoricalQuery (buildingId: the seed's this.buildingId, passed in). The seed's SQL
   * calls date_trunc('day', …), DuckDB's and PostgreSQL's, which dosql has as an extension and
   * SQLite lacks; `sqliteDay` swaps in SQLite's datetime(…, 'start of day') for the better-sqlite3
   * oracle (the one change to the SQL in this file, made only on the oracle's side).
   */
  async historicalQuery(db: SeedDb, params: { buildingId: string; sensor_id?: string; start?: string; end?: string; sqliteDay?: boolean }) {
    const sensorId = params.sensor_id;
    const startDate = params.start;
    const endDate = params.end;
    if (!startDate || !endDate) return { error: 'start and end required' };
    let sql = `
      SELECT
        sensor_id,
        date_trunc('day', timestamp) as day,
        AVG(value) as avg_value,
        MIN(value) as min_value,
        MAX(value) as max_value,
        COUNT(*) as reading_count
      FROM 'r2://telemetry-archive/${params.buildingId}/readings/*.parquet'
      WHERE timestamp BETWEEN ? AND ?
        ${sensorId ? `AND sensor_id = '${sensorId}'` : ''}
      GROUP BY sensor_id, day
      ORDER BY day
    `;
    if (params.sqliteDay) sql = sql.replace("date_trunc('day', timestamp)", "datetime(timestamp, 'start of day')");
    const data = await db.query(sql, [startDate, endDate]);
    return { data };
  },
  /** Adapted (test set-up): resolve an alert at a given time, so the lifecycle has history to move. */
  async resolveAlert(db: SeedDb, body: { alertId: number; resolvedAt: string }) {
    await db.run("UPDATE active_alerts SET status = 'RESOLVED', resolved_at = ? WHERE id = ?", [body.resolvedAt, body.alertId]);
    return null;
  },
};
