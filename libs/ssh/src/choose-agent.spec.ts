import { describe, expect, it } from 'vitest';
import { chooseAgent, OPENSSH_AGENT_PIPE, type AgentEnvironment } from './choose-agent.js';

const pipe = () => true;
const noPipe = () => false;

describe('chooseAgent', () => {
  it.each<[string, AgentEnvironment, ReturnType<typeof chooseAgent>]>([
    [
      'linux with ssh-agent',
      { platform: 'linux', authSock: '/tmp/ssh-a/agent.1', pipeExists: noPipe },
      { agent: '/tmp/ssh-a/agent.1', source: 'SSH_AUTH_SOCK' },
    ],
    ['linux without an agent', { platform: 'linux', pipeExists: noPipe }, undefined],
    ['macOS blank SSH_AUTH_SOCK', { platform: 'darwin', authSock: '  ', pipeExists: noPipe }, undefined],
    [
      'RUNPOD_SSH_AGENT=none wins',
      { platform: 'linux', requested: 'none', authSock: '/s', pipeExists: pipe },
      undefined,
    ],
    [
      'RUNPOD_SSH_AGENT path wins',
      { platform: 'linux', requested: '/run/agent.sock', authSock: '/s' },
      { agent: '/run/agent.sock', source: 'RUNPOD_SSH_AGENT' },
    ],
    [
      'windows: OpenSSH agent service pipe',
      { platform: 'win32', pipeExists: pipe },
      { agent: OPENSSH_AGENT_PIPE, source: 'openssh-pipe' },
    ],
    [
      'windows: no pipe, Pageant',
      { platform: 'win32', pipeExists: noPipe },
      { agent: 'pageant', source: 'pageant' },
    ],
    [
      'windows: SSH_AUTH_SOCK (Git Bash) first',
      { platform: 'win32', authSock: '/tmp/ssh-x/agent.9', pipeExists: pipe },
      { agent: '/tmp/ssh-x/agent.9', source: 'SSH_AUTH_SOCK' },
    ],
    [
      'windows: RUNPOD_SSH_AGENT=pageant',
      { platform: 'win32', requested: 'Pageant', pipeExists: pipe },
      { agent: 'pageant', source: 'RUNPOD_SSH_AGENT' },
    ],
    [
      'windows: a named pipe by hand',
      { platform: 'win32', requested: '\\\\.\\pipe\\my-agent', pipeExists: noPipe },
      { agent: '\\\\.\\pipe\\my-agent', source: 'RUNPOD_SSH_AGENT' },
    ],
    ['windows: none', { platform: 'win32', requested: 'NONE', pipeExists: pipe }, undefined],
  ])('%s', (_name, environment, expected) => {
    expect(chooseAgent(environment)).toEqual(expected);
  });

  it('asks for the named pipe only on Windows and only when nothing else is set', () => {
    const asked: string[] = [];
    const pipeExists = (p: string) => (asked.push(p), false);
    chooseAgent({ platform: 'linux', pipeExists });
    chooseAgent({ platform: 'win32', authSock: '/s', pipeExists });
    expect(asked).toEqual([]);
    chooseAgent({ platform: 'win32', pipeExists });
    expect(asked).toEqual([OPENSSH_AGENT_PIPE]);
  });

  it('refuses Pageant outside Windows in one line', () => {
    expect(() => chooseAgent({ platform: 'linux', requested: 'pageant' })).toThrow(
      'Cannot use RUNPOD_SSH_AGENT as Pageant exists only on Windows: current value is "pageant" (use a socket path, or leave it empty)',
    );
  });
});
