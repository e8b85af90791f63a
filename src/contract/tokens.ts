import type { DependencyContainer } from 'tsyringe';

/** A DI token that carries the type it resolves to, so resolve() needs no casts at call sites. */
export type Token<T> = symbol & { readonly __type?: T };

export function token<T>(description: string): Token<T> {
  return Symbol(description) as Token<T>;
}

export function resolve<T>(container: DependencyContainer, t: Token<T>): T {
  return container.resolve<T>(t);
}

export function provide<T>(container: DependencyContainer, t: Token<T>, value: T): void {
  container.register<T>(t, { useValue: value });
}
