import Empty from './empty.svelte'
import Group from './group.svelte'
import Input from './input.svelte'
import LinkItem from './link-item.svelte'
import List from './list.svelte'
import Root from './root.svelte'

/** A searchable list (command palette): bits-ui behaviour, Trellis styling. */
export { Empty, Group, Input, LinkItem, List, Root }
