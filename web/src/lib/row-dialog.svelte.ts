/**
 * A dialog about one row (a confirmation, an edit) and whether it is open: the row's action calls
 * `show(item)`, the dialog binds `open` and names `item`.
 */
export class RowDialog<T> {
  item = $state<T | null>(null)
  open = $state(false)

  show = (item: T) => {
    this.item = item
    this.open = true
  }
}
