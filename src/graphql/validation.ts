import { getMetadataStorage, validateOrReject, type ValidationError, type ValidatorOptions } from 'class-validator';
import { ArgumentValidationError, type ValidatorFn } from 'type-graphql';

/**
 * class-validator for type-graphql arguments, as type-graphql's own `validate` option runs it
 * (missing properties skipped, unknown values allowed) but without its per-argument cost:
 * type-graphql `require`s class-validator again for every argument object of every field (module
 * resolution, ~25 times for a search page with reviews), and validates classes that declare no
 * constraint at all, such as the paging arguments, which can never fail. Those are skipped here.
 */
export function classValidatorFn(options: ValidatorOptions): ValidatorFn {
  const settings: ValidatorOptions = {
    ...options,
    skipMissingProperties: options.skipMissingProperties !== false,
    forbidUnknownValues: false,
  };
  if (options.forbidUnknownValues === true) settings.forbidUnknownValues = true;
  const constrained = new Map<Function, boolean>();
  const hasConstraints = (type: Function): boolean => {
    let known = constrained.get(type);
    if (known === undefined) {
      // With unknown values allowed, an instance of a class without metadata (its parents' included) passes as it is.
      known = settings.forbidUnknownValues === true || getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
      constrained.set(type, known);
    }
    return known;
  };
  const check = async (value: object): Promise<void> => {
    if (!hasConstraints(value.constructor)) return;
    try {
      await validateOrReject(value, settings);
    } catch (err) {
      throw new ArgumentValidationError(err as ValidationError[]);
    }
  };
  return async (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      await Promise.all(value.filter((v): v is object => v !== null && typeof v === 'object').map(check));
    } else {
      await check(value);
    }
  };
}
