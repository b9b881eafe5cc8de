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
    forbidUnknownValues: options.forbidUnknownValues === true,
  };
  const constrained = new WeakMap<object, boolean>();
  const hasConstraints = (value: object): boolean => {
    let known = constrained.get(value.constructor);
    if (known === undefined) {
      // With unknown values allowed, an instance of a class without metadata (its parents' included) passes as it is.
      known =
        settings.forbidUnknownValues === true ||
        getMetadataStorage().getTargetValidationMetadatas(value.constructor, '', true, false).length > 0;
      constrained.set(value.constructor, known);
    }
    return known;
  };
  const check = async (value: object): Promise<void> => {
    if (!hasConstraints(value)) return;
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
