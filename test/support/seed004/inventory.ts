// Use case 4, Transactional E-Commerce Platform: the seed's InventorySKU methods.
// The SQL is verbatim; db.ts says what of the JavaScript was adapted.
import type { SeedDb } from './db.js';

interface InventoryState {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

export const inventory = {
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
