// Use case 2, Real-Time Collaborative Workspace: the seed's CollaborativeDocument methods.
// The SQL is verbatim; db.ts says what of the JavaScript was adapted.
import type { SeedDb } from './db.js';

interface Operation {
  type: 'insert' | 'update' | 'delete' | 'move';
  blockId?: string;
  parentId?: string;
  position?: number;
  content?: unknown;
  properties?: unknown;
}

export const collab = {
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
