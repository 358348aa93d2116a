// The web consumer's expectations of projects and their tasks: the board lists, opens,
// creates, completes and deletes them, and tells an unknown or another user's project apart.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MatchersV3 } from '@pact-foundation/pact';

import { Forbidden, NotFound } from '../src/client.js';
import {
  BASE,
  IDS,
  UNKNOWN_ID,
  apiPath,
  contract,
  location,
  page,
  problem,
  project,
  rejects,
  task,
} from './support/contract.js';

const { regex } = MatchersV3;
const PROJECT = '/projects/{projectId}';
const TASK = '/projects/{projectId}/tasks/{taskId}';

test('the board lists the projects', () =>
  contract({
    description: 'a request from the web for the projects',
    states: [['a project exists']],
    method: 'GET',
    path: apiPath('/projects'),
    status: 200,
    response: page(project()),
    exercise: async (api) => {
      const { data, pagination } = await api.listProjects();
      assert.ok(data.length >= 1 && pagination.total >= 1);
    },
  }));

test('a new project is created active', () =>
  contract({
    description: 'a project creation from the web',
    states: [['a user exists']],
    method: 'POST',
    path: apiPath('/projects'),
    status: 201,
    body: { name: 'Website relaunch' },
    response: project({ name: 'Website relaunch', description: null, status: 'active' }),
    responseHeaders: { Location: location('projects') },
    exercise: async (api) => assert.equal((await api.createProject('Website relaunch')).status, 'active'),
  }));

test('a project opens', () =>
  contract({
    description: 'a request from the web for a project',
    states: [['a project exists', { name: 'Website relaunch' }]],
    method: 'GET',
    path: apiPath(PROJECT),
    status: 200,
    response: project({ name: 'Website relaunch' }),
    exercise: async (api) => assert.equal((await api.getProject(IDS.projectId)).name, 'Website relaunch'),
  }));

test('an unknown project is not found', () =>
  contract({
    description: 'a request from the web for an unknown project',
    states: [['a user exists']],
    method: 'GET',
    path: apiPath(`/projects/${UNKNOWN_ID}`),
    status: 404,
    response: problem(404, 'not_found'),
    exercise: rejects(NotFound, 'not_found', (api) => api.getProject(UNKNOWN_ID)),
  }));

test("another user's project is forbidden", () =>
  contract({
    description: "a request from the web for another user's project",
    states: [['a project of another user exists']],
    method: 'GET',
    path: apiPath(PROJECT),
    status: 403,
    response: problem(403, 'forbidden'),
    exercise: rejects(Forbidden, 'forbidden', (api) => api.getProject(IDS.projectId)),
  }));

test('a project is archived', () =>
  contract({
    description: 'a project archival from the web',
    states: [['a project exists', { status: 'active' }]],
    method: 'PATCH',
    path: apiPath(PROJECT),
    status: 200,
    body: { status: 'archived' },
    response: project({ status: 'archived' }),
    exercise: async (api) =>
      assert.equal((await api.updateProject(IDS.projectId, { status: 'archived' })).status, 'archived'),
  }));

test('a project is deleted', () =>
  contract({
    description: 'a project deletion from the web',
    states: [['a project exists']],
    method: 'DELETE',
    path: apiPath(PROJECT),
    status: 204,
    exercise: (api) => api.deleteProject(IDS.projectId),
  }));

test("a project's tasks are listed", () =>
  contract({
    description: "a request from the web for a project's tasks",
    states: [['a task exists']],
    method: 'GET',
    path: apiPath('/projects/{projectId}/tasks'),
    status: 200,
    response: page(task()),
    exercise: async (api) => assert.ok((await api.listTasks(IDS.projectId)).data.length >= 1),
  }));

test('a task is added with a due date', () =>
  contract({
    description: 'a task creation from the web',
    states: [['a project exists']],
    method: 'POST',
    path: apiPath('/projects/{projectId}/tasks'),
    status: 201,
    body: { title: 'Write copy', priority: 'low', dueDate: '2026-12-24' },
    response: task({ title: 'Write copy', priority: 'low', status: 'todo', dueDate: '2026-12-24' }),
    responseHeaders: {
      Location: regex(
        `^${BASE}/projects/[0-9a-f-]{36}/tasks/[0-9a-f-]{36}$`,
        `${BASE}/projects/${IDS.projectId}/tasks/${IDS.taskId}`,
      ),
    },
    exercise: async (api) => {
      const created = await api.createTask(IDS.projectId, 'Write copy', { priority: 'low', dueDate: '2026-12-24' });
      assert.equal(created.dueDate, '2026-12-24');
    },
  }));

test('a task is started', () =>
  contract({
    description: 'a task start from the web',
    states: [['a task exists', { status: 'todo' }]],
    method: 'PATCH',
    path: apiPath(TASK),
    status: 200,
    body: { status: 'in_progress' },
    response: task({ status: 'in_progress' }),
    exercise: async (api) =>
      assert.equal((await api.updateTask(IDS.projectId, IDS.taskId, { status: 'in_progress' })).status, 'in_progress'),
  }));

test('a task opens', () =>
  contract({
    description: 'a request from the web for a task',
    states: [['a task exists', { priority: 'high' }]],
    method: 'GET',
    path: apiPath(TASK),
    status: 200,
    response: task({ priority: 'high' }),
    exercise: async (api) => assert.equal((await api.getTask(IDS.projectId, IDS.taskId)).priority, 'high'),
  }));

test('a task is deleted', () =>
  contract({
    description: 'a task deletion from the web',
    states: [['a task exists']],
    method: 'DELETE',
    path: apiPath(TASK),
    status: 204,
    exercise: (api) => api.deleteTask(IDS.projectId, IDS.taskId),
  }));

test("another user's task is forbidden", () =>
  contract({
    description: "a request from the web for another user's task",
    states: [['records of another user exist']],
    method: 'GET',
    path: apiPath(TASK),
    status: 403,
    response: problem(403, 'forbidden'),
    exercise: rejects(Forbidden, 'forbidden', (api) => api.getTask(IDS.projectId, IDS.taskId)),
  }));
