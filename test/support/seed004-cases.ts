// The five use cases of seed 004 ("DoSQL Canonical Use Cases"), their Durable Objects' methods
// as the seed writes them, against a minimal database interface (query / run / transaction /
// branch) so that the same code runs in workerd on dosql (test/support/seed004-entry.ts) and in
// Node on better-sqlite3 (test/worker-seed004.test.ts), the differential oracle. The SQL is the
// seed's, verbatim; the JavaScript around it is the seed's with only these adaptations:
// - Responses are returned as plain values (no Response.json), the WebSocket plumbing
//   (accept, broadcast, send) is dropped: the test calls the methods directly.
// - Use case 3: user ids are "hashed" with a fixed stand-in (the seed's createCrypto() and
//   HASH_SALT are not provided), and syncToGlobal's POST to another Durable Object returns the
//   rollups instead. Nothing in the seed writes the Parquet archives that queryHistorical and
//   use case 5's handleHistoricalQuery read from 'r2://…': the test puts them in the bucket.
// - Use cases 2 and 4: the seed never inserts the `documents` row 'main' its blocks reference,
//   nor the SKU's `inventory` row: the scenarios insert them first.

export type Params = (string | number | null)[];
export type Row = Record<string, unknown>;

/** What the seed's code calls on `db` and `tx`. */
export interface SeedDb {
  query<T = Row>(sql: string, params?: Params): Promise<T[]>;
  run(sql: string, params?: Params): Promise<{ lastRowId: number | bigint; changes: number }>;
  transaction<T>(fn: (tx: SeedDb) => Promise<T>): Promise<T>;
}

export type Method = (db: SeedDb, args: never) => Promise<unknown>;

// ---- Use case 1: Multi-Tenant SaaS Platform (TenantDatabase) ----
const saas = {
  async getUsers(db: SeedDb) {
    const users = await db.query('SELECT id, email, name, role FROM users ORDER BY name');
    return { users };
  },
  async createUser(db: SeedDb, body: { email: string; name: string; role?: string }) {
    const result = await db.run(`
      INSERT INTO users (email, name, role)
      VALUES (?, ?, ?)
    `, [body.email, body.name, body.role || 'member']);
    return { id: Number(result.lastRowId) };
  },
  async getProjects(db: SeedDb, params: { status?: string }) {
    const status = params.status || 'active';
    const projects = await db.query(`
      SELECT
        p.id,
        p.name,
        p.description,
        u.name as owner_name,
        COUNT(t.id) as task_count
      FROM projects p
      JOIN users u ON p.owner_id = u.id
      LEFT JOIN tasks t ON t.project_id = p.id
      WHERE p.status = ?
      GROUP BY p.id
      ORDER BY p.updated_at DESC
    `, [status]);
    return { projects };
  },
  async createProject(db: SeedDb, body: { name: string; description?: string; owner_id: number }) {
    const result = await db.run(`
      INSERT INTO projects (name, description, owner_id)
      VALUES (?, ?, ?)
    `, [body.name, body.description || null, body.owner_id]);
    return { id: Number(result.lastRowId) };
  },
  async getTasks(db: SeedDb, params: { project_id?: string; status?: string; assignee_id?: string }) {
    const projectId = params.project_id;
    const status = params.status;
    const assigneeId = params.assignee_id;
    let query = `
      SELECT
        t.id,
        t.title,
        t.description,
        t.status,
        t.priority,
        t.due_date,
        u.name as assignee_name,
        p.name as project_name
      FROM tasks t
      LEFT JOIN users u ON t.assignee_id = u.id
      JOIN projects p ON t.project_id = p.id
      WHERE 1=1
    `;
    const queryParams: (string | number)[] = [];
    if (projectId) {
      query += ' AND t.project_id = ?';
      queryParams.push(parseInt(projectId));
    }
    if (status) {
      query += ' AND t.status = ?';
      queryParams.push(status);
    }
    if (assigneeId) {
      query += ' AND t.assignee_id = ?';
      queryParams.push(parseInt(assigneeId));
    }
    query += ' ORDER BY t.priority DESC, t.due_date ASC';
    const tasks = await db.query(query, queryParams);
    return { tasks };
  },
  async createTask(db: SeedDb, body: { project_id: number; title: string; description?: string; assignee_id?: number; priority?: number; due_date?: string }) {
    const result = await db.run(`
      INSERT INTO tasks (project_id, title, description, assignee_id, priority, due_date)
      VALUES (?, ?, ?, ?, ?, ?)
    `, [body.project_id, body.title, body.description || null, body.assignee_id || null, body.priority || 0, body.due_date || null]);
    return { id: Number(result.lastRowId) };
  },
  async updateTask(db: SeedDb, body: { id: number; status?: string; assignee_id?: number; priority?: number }) {
    const updates: string[] = ['updated_at = CURRENT_TIMESTAMP'];
    const params: (string | number | null)[] = [];
    if (body.status !== undefined) {
      updates.push('status = ?');
      params.push(body.status);
    }
    if (body.assignee_id !== undefined) {
      updates.push('assignee_id = ?');
      params.push(body.assignee_id);
    }
    if (body.priority !== undefined) {
      updates.push('priority = ?');
      params.push(body.priority);
    }
    params.push(body.id);
    await db.run(`
      UPDATE tasks SET ${updates.join(', ')} WHERE id = ?
    `, params);
    return { success: true };
  },
};

// ---- Use case 2: Real-Time Collaborative Workspace (CollaborativeDocument) ----
interface Operation {
  type: 'insert' | 'update' | 'delete' | 'move';
  blockId?: string;
  parentId?: string;
  position?: number;
  content?: unknown;
  properties?: unknown;
}

const collab = {
  /** Adapted: the seed never creates the document its blocks belong to. */
  async setup(db: SeedDb) {
    await db.run("INSERT INTO documents (id, title, created_by) VALUES ('main', 'Main', 'u1')");
    return null;
  },
  /** handleWebSocket without the socket: the initial state, then the presence upsert. */
  async join(db: SeedDb, { userId, userName }: { userId: string; userName: string }) {
    const blocks = await db.query('SELECT * FROM blocks ORDER BY position');
    const presenceList = await db.query('SELECT * FROM presence');
    await db.run(`
      INSERT INTO presence (user_id, user_name, last_seen)
      VALUES (?, ?, CURRENT_TIMESTAMP)
      ON CONFLICT (user_id) DO UPDATE SET
        user_name = excluded.user_name,
        last_seen = CURRENT_TIMESTAMP
    `, [userId, userName]);
    return { type: 'init', data: { blocks, presence: presenceList } };
  },
  async leave(db: SeedDb, { userId }: { userId: string }) {
    await db.run('DELETE FROM presence WHERE user_id = ?', [userId]);
    return null;
  },
  async operation(db: SeedDb, { userId, op }: { userId: string; op: Operation }) {
    await db.transaction(async (tx) => {
      let beforeState: string | null = null;
      let afterState: string | null = null;
      switch (op.type) {
        case 'insert': {
          // Adapted: the test passes blockId (the seed's fallback is crypto.randomUUID()).
          const blockId = op.blockId!;
          await tx.run(`
            INSERT INTO blocks (id, document_id, parent_id, type, content, properties, position)
            VALUES (?, 'main', ?, ?, ?, ?, ?)
          `, [blockId, op.parentId || null, 'paragraph', JSON.stringify(op.content || {}), JSON.stringify(op.properties || {}), op.position || Date.now()]);
          afterState = JSON.stringify({ blockId, ...op });
          break;
        }
        case 'update': {
          const [existing] = await tx.query('SELECT content, properties FROM blocks WHERE id = ?', [op.blockId!]);
          beforeState = JSON.stringify(existing);
          await tx.run(`
            UPDATE blocks
            SET content = COALESCE(?, content),
                properties = COALESCE(?, properties),
                updated_at = CURRENT_TIMESTAMP
            WHERE id = ?
          `, [op.content ? JSON.stringify(op.content) : null, op.properties ? JSON.stringify(op.properties) : null, op.blockId!]);
          afterState = JSON.stringify(op);
          break;
        }
        case 'delete': {
          const [existing] = await tx.query('SELECT * FROM blocks WHERE id = ?', [op.blockId!]);
          beforeState = JSON.stringify(existing);
          await tx.run('DELETE FROM blocks WHERE id = ?', [op.blockId!]);
          break;
        }
        case 'move': {
          await tx.run(`
            UPDATE blocks
            SET parent_id = ?,
                position = ?,
                updated_at = CURRENT_TIMESTAMP
            WHERE id = ?
          `, [op.parentId || null, op.position!, op.blockId!]);
          afterState = JSON.stringify(op);
          break;
        }
      }
      await tx.run(`
        INSERT INTO operations (user_id, block_id, op_type, op_data, before_state, after_state)
        VALUES (?, ?, ?, ?, ?, ?)
      `, [userId, op.blockId || null, op.type, JSON.stringify(op), beforeState, afterState]);
    });
    return null;
  },
  async presenceUpdate(db: SeedDb, { userId, presence }: { userId: string; presence: { cursorBlockId?: string; cursorOffset?: number } }) {
    await db.run(`
      UPDATE presence
      SET cursor_block_id = ?,
          cursor_offset = ?,
          last_seen = CURRENT_TIMESTAMP
      WHERE user_id = ?
    `, [presence.cursorBlockId || null, presence.cursorOffset || null, userId]);
    return null;
  },
  async undo(db: SeedDb, { userId }: { userId: string }) {
    const [lastOp] = await db.query<{ id: number; block_id: string; op_type: string; before_state: string | null }>(`
      SELECT id, block_id, op_type, before_state
      FROM operations
      WHERE user_id = ? AND before_state IS NOT NULL
      ORDER BY id DESC
      LIMIT 1
    `, [userId]);
    if (!lastOp || !lastOp.before_state) return null;
    const beforeState = JSON.parse(lastOp.before_state) as Record<string, string | number | null>;
    if (lastOp.op_type === 'delete') {
      await db.run(`
        INSERT INTO blocks (id, document_id, parent_id, type, content, properties, position)
        VALUES (?, ?, ?, ?, ?, ?, ?)
      `, [beforeState.id!, beforeState.document_id!, beforeState.parent_id!, beforeState.type!, beforeState.content!, beforeState.properties!, beforeState.position!]);
    } else if (lastOp.op_type === 'insert') {
      await db.run('DELETE FROM blocks WHERE id = ?', [lastOp.block_id]);
    } else {
      await db.run(`
        UPDATE blocks
        SET content = ?,
            properties = ?,
            updated_at = CURRENT_TIMESTAMP
        WHERE id = ?
      `, [beforeState.content!, beforeState.properties!, lastOp.block_id]);
    }
    return { operationId: lastOp.id, userId };
  },
  async history(db: SeedDb, params: { limit?: string; before?: string }) {
    const limit = parseInt(params.limit || '50');
    const before = params.before;
    let query = `
      SELECT o.*, u.user_name
      FROM operations o
      LEFT JOIN presence u ON o.user_id = u.user_id
    `;
    const queryParams: (string | number)[] = [];
    if (before) {
      query += ' WHERE o.timestamp < ?';
      queryParams.push(before);
    }
    // The seed orders by o.timestamp only, a CURRENT_TIMESTAMP of one-second resolution: ties
    // come back in no defined order, so the comparison sorts them (see the test).
    query += ' ORDER BY o.timestamp DESC LIMIT ?';
    queryParams.push(limit);
    const history = await db.query(query, queryParams);
    return { history };
  },
  /** The blocks as of `timestamp` (the oracle cannot time-travel: the test compares with its own copy taken then). */
  async blocksAsOf(db: SeedDb, body: { timestamp: string }) {
    return db.query(`
      SELECT * FROM blocks
      FOR SYSTEM_TIME AS OF TIMESTAMP ?
      ORDER BY position
    `, [body.timestamp]);
  },
  /** handleRestore's write half, given the blocks its time-travel query returned. */
  async restoreBlocks(db: SeedDb, { blocks }: { blocks: Record<string, string | number | null>[] }) {
    await db.transaction(async (tx) => {
      await tx.run('DELETE FROM blocks');
      for (const block of blocks) {
        await tx.run(`
          INSERT INTO blocks (id, document_id, parent_id, type, content, properties, position)
          VALUES (?, ?, ?, ?, ?, ?, ?)
        `, [block.id!, block.document_id!, block.parent_id!, block.type!, block.content!, block.properties!, block.position!]);
      }
    });
    return { success: true, blocksRestored: blocks.length };
  },
  async blocks(db: SeedDb) {
    return db.query('SELECT * FROM blocks ORDER BY position');
  },
};

// ---- Use case 3: Privacy-First Edge Analytics (RegionalAnalyticsDO) ----
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

const analytics = {
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

// ---- Use case 4: Transactional E-Commerce Platform (InventorySKU) ----
interface InventoryState {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

const inventory = {
  /** Adapted: the seed never inserts the SKU's row. */
  async setup(db: SeedDb, { sku, available }: { sku: string; available: number }) {
    await db.run('INSERT INTO inventory (sku, product_name, available) VALUES (?, ?, ?)', [sku, `Product ${sku}`, available]);
    return null;
  },
  async reserve(db: SeedDb, body: { orderId: string; quantity: number; ttlMinutes?: number; now: string }) {
    const ttlMinutes = body.ttlMinutes || 15;
    return db.transaction(async (tx) => {
      const [stock] = await tx.query<InventoryState>(`
        SELECT sku, available, reserved, sold FROM inventory LIMIT 1
      `);
      if (!stock) return { success: false, error: 'SKU_NOT_FOUND' };
      if (stock.available < body.quantity) return { success: false, error: 'INSUFFICIENT_STOCK', available: stock.available };
      const [existing] = await tx.query<{ id: string; quantity: number }>(
        "SELECT id, quantity FROM reservations WHERE id = ? AND status = 'PENDING'",
        [body.orderId],
      );
      if (existing) return { success: false, error: 'RESERVATION_EXISTS', reservationId: existing.id };
      // Adapted: `now` comes from the caller so both databases get the same value (seed: new Date()).
      const now = new Date(body.now);
      const expiresAt = new Date(now.getTime() + ttlMinutes * 60 * 1000);
      await tx.run(`
        INSERT INTO reservations (id, quantity, status, created_at, expires_at)
        VALUES (?, ?, 'PENDING', ?, ?)
      `, [body.orderId, body.quantity, now.toISOString(), expiresAt.toISOString()]);
      await tx.run(`
        UPDATE inventory
        SET available = available - ?,
            reserved = reserved + ?,
            updated_at = CURRENT_TIMESTAMP
      `, [body.quantity, body.quantity]);
      await tx.run(`
        INSERT INTO inventory_log (
          operation, quantity, reference_id,
          available_before, available_after,
          reserved_before, reserved_after
        ) VALUES ('RESERVE', ?, ?, ?, ?, ?, ?)
      `, [body.quantity, body.orderId, stock.available, stock.available - body.quantity, stock.reserved, stock.reserved + body.quantity]);
      return { success: true, reservationId: body.orderId, expiresAt: expiresAt.toISOString() };
    });
  },
  async confirm(db: SeedDb, body: { orderId: string }) {
    return db.transaction(async (tx) => {
      const [reservation] = await tx.query<{ quantity: number; status: string }>('SELECT quantity, status FROM reservations WHERE id = ?', [body.orderId]);
      if (!reservation) return { success: false, error: 'RESERVATION_NOT_FOUND' };
      if (reservation.status !== 'PENDING') return { success: false, error: `INVALID_STATUS_${reservation.status}` };
      const [stock] = await tx.query<InventoryState>('SELECT reserved, sold FROM inventory LIMIT 1');
      await tx.run(`
        UPDATE reservations
        SET status = 'CONFIRMED', confirmed_at = CURRENT_TIMESTAMP
        WHERE id = ?
      `, [body.orderId]);
      await tx.run(`
        UPDATE inventory
        SET reserved = reserved - ?,
            sold = sold + ?,
            updated_at = CURRENT_TIMESTAMP
      `, [reservation.quantity, reservation.quantity]);
      await tx.run(`
        INSERT INTO inventory_log (
          operation, quantity, reference_id,
          available_before, available_after,
          reserved_before, reserved_after
        ) VALUES ('CONFIRM', ?, ?, ?, ?, ?, ?)
      `, [reservation.quantity, body.orderId, stock!.reserved - reservation.quantity, stock!.reserved - reservation.quantity, stock!.reserved, stock!.reserved - reservation.quantity]);
      return { success: true };
    });
  },
  async release(db: SeedDb, body: { orderId: string; reason?: string }) {
    return db.transaction(async (tx) => {
      const [reservation] = await tx.query<{ quantity: number; status: string }>('SELECT quantity, status FROM reservations WHERE id = ?', [body.orderId]);
      if (!reservation) return { success: false, error: 'RESERVATION_NOT_FOUND' };
      if (reservation.status !== 'PENDING') return { success: false, error: `CANNOT_RELEASE_${reservation.status}` };
      const [stock] = await tx.query<InventoryState>('SELECT available, reserved FROM inventory LIMIT 1');
      await tx.run(`
        UPDATE reservations
        SET status = 'RELEASED', released_at = CURRENT_TIMESTAMP
        WHERE id = ?
      `, [body.orderId]);
      await tx.run(`
        UPDATE inventory
        SET available = available + ?,
            reserved = reserved - ?,
            updated_at = CURRENT_TIMESTAMP
      `, [reservation.quantity, reservation.quantity]);
      await tx.run(`
        INSERT INTO inventory_log (
          operation, quantity, reference_id,
          available_before, available_after,
          reserved_before, reserved_after
        ) VALUES ('RELEASE', ?, ?, ?, ?, ?, ?)
      `, [reservation.quantity, body.orderId, stock!.available, stock!.available + reservation.quantity, stock!.reserved, stock!.reserved - reservation.quantity]);
      return { success: true, quantityReleased: reservation.quantity };
    });
  },
  async releaseExpiredReservations(db: SeedDb) {
    return db.transaction(async (tx) => {
      const expired = await tx.query<{ id: string; quantity: number }>(`
        SELECT id, quantity FROM reservations
        WHERE status = 'PENDING' AND expires_at < CURRENT_TIMESTAMP
      `);
      if (expired.length === 0) return 0;
      const [stock] = await tx.query<InventoryState>('SELECT available, reserved FROM inventory LIMIT 1');
      const totalQuantity = expired.reduce((sum, r) => sum + r.quantity, 0);
      await tx.run(`
        UPDATE reservations
        SET status = 'EXPIRED', released_at = CURRENT_TIMESTAMP
        WHERE status = 'PENDING' AND expires_at < CURRENT_TIMESTAMP
      `);
      await tx.run(`
        UPDATE inventory
        SET available = available + ?,
            reserved = reserved - ?,
            updated_at = CURRENT_TIMESTAMP
      `, [totalQuantity, totalQuantity]);
      for (const reservation of expired) {
        await tx.run(`
          INSERT INTO inventory_log (
            operation, quantity, reference_id,
            available_before, available_after,
            reserved_before, reserved_after
          ) VALUES ('EXPIRE', ?, ?, ?, ?, ?, ?)
        `, [reservation.quantity, reservation.id, stock!.available, stock!.available + reservation.quantity, stock!.reserved, stock!.reserved - reservation.quantity]);
      }
      return expired.length;
    });
  },
  async status(db: SeedDb) {
    const [stock] = await db.query<InventoryState>('SELECT sku, available, reserved, sold FROM inventory LIMIT 1');
    const [pendingCount] = await db.query<{ count: number }>("SELECT COUNT(*) as count FROM reservations WHERE status = 'PENDING'");
    return { ...stock, pendingReservations: pendingCount!.count };
  },
  async restock(db: SeedDb, body: { quantity: number; reference?: string }) {
    await db.transaction(async (tx) => {
      const [stock] = await tx.query<InventoryState>('SELECT available, reserved FROM inventory LIMIT 1');
      await tx.run(`
        UPDATE inventory
        SET available = available + ?,
            updated_at = CURRENT_TIMESTAMP
      `, [body.quantity]);
      await tx.run(`
        INSERT INTO inventory_log (
          operation, quantity, reference_id,
          available_before, available_after,
          reserved_before, reserved_after
        ) VALUES ('RESTOCK', ?, ?, ?, ?, ?, ?)
      `, [body.quantity, body.reference || null, stock!.available, stock!.available + body.quantity, stock!.reserved, stock!.reserved]);
    });
    return { success: true };
  },
  async history(db: SeedDb, params: { limit?: string; operation?: string }) {
    const limit = parseInt(params.limit || '50');
    const operation = params.operation;
    let query = `
      SELECT operation, quantity, reference_id,
             available_before, available_after,
             reserved_before, reserved_after,
             timestamp
      FROM inventory_log
    `;
    const queryParams: (string | number)[] = [];
    if (operation) {
      query += ' WHERE operation = ?';
      queryParams.push(operation);
    }
    query += ' ORDER BY id DESC LIMIT ?';
    queryParams.push(limit);
    const history = await db.query(query, queryParams);
    return { history };
  },
  /** getInventoryStateAt (the oracle answers with its own copy taken then: see the test). */
  async stateAt(db: SeedDb, { timestamp }: { timestamp: string }) {
    const [stock] = await db.query<InventoryState>(`
      SELECT sku, available, reserved, sold FROM inventory
      FOR SYSTEM_TIME AS OF TIMESTAMP ?
    `, [timestamp]);
    return stock || null;
  },
};

// ---- Use case 5: IoT Telemetry Processing (BuildingTelemetryDO) ----
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

const telemetry = {
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
   * calls date_trunc('day', …), DuckDB's and PostgreSQL's, which neither SQLite nor dosql has;
   * `sqliteDay` swaps in SQLite's date(…) (the one change to the SQL in this file, asked for by the test).
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
    if (params.sqliteDay) sql = sql.replace("date_trunc('day', timestamp)", 'date(timestamp)');
    const data = await db.query(sql, [startDate, endDate]);
    return { data };
  },
  /** Adapted (test set-up): resolve an alert at a given time, so the lifecycle has history to move. */
  async resolveAlert(db: SeedDb, body: { alertId: number; resolvedAt: string }) {
    await db.run("UPDATE active_alerts SET status = 'RESOLVED', resolved_at = ? WHERE id = ?", [body.resolvedAt, body.alertId]);
    return null;
  },
};

/** Use case number (1..5) → its object's methods. */
export const USE_CASES: Record<number, Record<string, Method>> = {
  1: saas as unknown as Record<string, Method>,
  2: collab as unknown as Record<string, Method>,
  3: analytics as unknown as Record<string, Method>,
  4: inventory as unknown as Record<string, Method>,
  5: telemetry as unknown as Record<string, Method>,
};
