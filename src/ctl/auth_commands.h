#pragma once
// etcdctl v2's authentication commands: `user` (add, get, list, remove, grant, revoke,
// passwd), `role` (add, get, list, remove, grant, revoke) and `auth` (enable, disable), with
// etcdctl 3.4's output, messages and exit statuses — including its quirks, so scripts that
// parse it keep working (for instance `user get` puts one extra space before the role names
// per role, and `user add` of an existing user sets its password).
#include "ctl/commands.h"

#include <string>

namespace etcdpp::ctl {

int run_user_command(const CommandArgs& args, Context& ctx);
int run_role_command(const CommandArgs& args, Context& ctx);
int run_auth_command(const CommandArgs& args, Context& ctx);

// speakeasy.Ask as etcdctl uses it: `prompt` on stdout, a line read from the terminal
// without echo (or from stdin when it is not a terminal), then a newline on stdout.
std::string ask_password(const std::string& prompt);

}  // namespace etcdpp::ctl
