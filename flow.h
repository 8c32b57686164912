/* flow.h - the decision flow of each certificate source (SPEC 3.1).  A flow
 * returns PAM_SUCCESS only with rq->chosen and rq->account set; granting is
 * left to the caller. */
#ifndef PAM_CERTMAP_FLOW_H
#define PAM_CERTMAP_FLOW_H

#include "request.h"

int flow_env(struct request *rq);
int flow_token(struct request *rq);

#endif
