import { DomainError } from './errors';
import { StateMachine } from './state-machine';

type S = 'open' | 'shut' | 'gone';
const machine = new StateMachine<S>('door', { open: ['shut'], shut: ['open', 'gone'], gone: [] });

describe('StateMachine', () => {
  it('allows listed moves and refuses others with CONFLICT', () => {
    expect(machine.can('open', 'shut')).toBe(true);
    expect(machine.can('open', 'gone')).toBe(false);
    try {
      machine.assert('gone', 'open');
      throw new Error('unreachable');
    } catch (err) {
      expect((err as DomainError).code).toBe('CONFLICT');
      expect((err as DomainError).message).toBe('A door that is GONE cannot become OPEN');
    }
    expect(machine.finals).toEqual(['gone']);
  });

  it('records exactly one history entry per applied move and none for a refused one', () => {
    const door: { status: S } = { status: 'open' };
    const history: string[] = [];
    machine.apply(door, 'shut', (c) => history.push(`${c.from}->${c.to}`));
    expect(() => machine.apply(door, 'shut', (c) => history.push(`${c.from}->${c.to}`))).toThrow(DomainError);
    expect(door.status).toBe('shut');
    expect(history).toEqual(['open->shut']);
  });
});
