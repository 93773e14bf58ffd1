import { z } from '@hono/zod-openapi'
import { createChildAccount, getChildAccount } from '../domain/resellers.ts'
import { AppError } from '../errors.ts'
import { requirePermission } from '../middleware/access.ts'
import { audit } from '../middleware/audit.ts'
import { body, createRouter, json, problems, route } from '../openapi.ts'
import { ChildView, inviteFirstOwner, OwnerInvitation, listChildren, ownerFields, present, StatusQuery } from './managed-accounts.ts'
import { AccountParam } from './schemas.ts'

const CreateCustomer = z.object(ownerFields).strict().openapi('CreateCustomer')

const listCustomersRoute = route.get('/accounts/{id}/customers', 'listCustomers', requirePermission('customers.view'), {
  request: { params: AccountParam, query: StatusQuery }, responses: { 200: json(z.object({ items: z.array(ChildView) }), 'Customers by name') },
})
const createCustomerRoute = route.post('/accounts/{id}/customers', 'createCustomer', requirePermission('customers.manage'), {
  request: { params: AccountParam, body: body(CreateCustomer) }, responses: { 201: json(z.object({ account: ChildView, ownerInvitation: OwnerInvitation }), 'Created, with the owner invitation that was emailed'), ...problems(409, 422) },
})

export const customers = createRouter('Customers')
  .openapi(listCustomersRoute, async (c) => c.json({ items: await listChildren(c, 'customer', c.req.valid('query').status) }, 200))
  .openapi(createCustomerRoute, async (c) => {
    const ctx = c.var.access
    if (ctx.account.kind !== 'reseller') throw new AppError('forbidden', 'Customers are created under a reseller.')
    const body = c.req.valid('json')
    const id = await createChildAccount(c.var.db, ctx.account, { kind: 'customer', name: body.name })
    const account = (await getChildAccount(c.var.db, ctx.account, id, 'customer'))!
    await audit(c, account, {
      type: 'account_created',
      target: { kind: 'account', id, label: account.name },
      description: `${ctx.principal.user.email} created the customer ${account.name}`,
    })
    const ownerInvitation = await inviteFirstOwner(c, ctx, account, body)
    return c.json({ account: present(account, ctx), ownerInvitation }, 201)
  })
