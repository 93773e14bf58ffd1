/**
 * What a confirmation dialog asks about, and whether it is open: a row's action calls `ask(item)`,
 * the dialog binds `open` and names `item`.
 */
export class Confirmation<T> {
  item = $state<T | null>(null)
  open = $state(false)

  ask = (item: T) => {
    this.item = item
    this.open = true
  }
}
