// Use case 1, Multi-Tenant SaaS Platform: the seed's TenantDatabase methods.
// The SQL is verbatim; db.ts says what of the JavaScript was adapted.
import type { SeedDb } from './db.js';

export const saas = {
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
