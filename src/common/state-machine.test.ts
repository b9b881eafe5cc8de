import { DomainError } from './errors';
import { StateMachine } from './state-machine';

type Light = 'red' | 'green' | 'off';
const machine = new StateMachine<Light>('A light', { red: ['green', 'off'], green: ['red', 'off'], off: [] });

describe('StateMachine', () => {
  it('allows listed moves and refuses others with CONFLICT naming both states', () => {
    expect(machine.can('red', 'green')).toBe(true);
    expect(() => machine.assert('red', 'green')).not.toThrow();
    expect(machine.can('off', 'red')).toBe(false);
    try {
      machine.assert('off', 'red');
      throw new Error('expected a conflict');
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('CONFLICT');
      expect((err as DomainError).message).toBe('A light that is OFF cannot become RED');
    }
  });

  it('names its final states', () => {
    expect(machine.finalStates()).toEqual(['off']);
  });
});
