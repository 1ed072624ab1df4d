"""The coverage map: every operation of Toggl's specifications -> our method, or why not.

Keys are ``"METHOD path"`` exactly as in the Swagger files (Track v9 paths relative to
``/api/v9``; Reports v3 and Insights paths as the Reports file writes them). A value in
:data:`COVERED` is ``"namespace.method"`` on ``TogglClient`` (and on the blocking client);
a value in :data:`EXCLUDED` is the reason we leave the operation out. ``tests/test_api_map.py``
fails when an operation is in neither, or a mapped method does not exist; the README's
endpoint tables are rendered from this module (``python -m scripts.render_api_tables``).
"""

from __future__ import annotations

__all__ = ["COVERED", "EXCLUDED", "BILLING", "CALENDAR", "FEEDBACK", "SMAIL", "SSO"]

BILLING = "billing: subscriptions, plans, payments, customers, purchase orders, invoices"
SSO = "SAML/SSO and desktop login: used by Toggl's own apps"
SMAIL = "smail: Toggl's marketing mail forms"
FEEDBACK = "feedback: Toggl's in-app feedback form"
CALENDAR = "calendar integration: needs Toggl's OAuth with Google/Microsoft"

COVERED: dict[str, str] = {
    # -- Track v9 -------------------------------------------------------------------------
    "GET /audit_logs/{organization_id}/{from}/{to}": "audit_logs.list",
    "POST /avatars": "avatars.upload",
    "DELETE /avatars": "avatars.delete",
    "POST /avatars/use_gravatar": "avatars.use_gravatar",
    "GET /countries": "countries.list",
    "GET /countries/{country_id}/subdivisions": "countries.subdivisions",
    "GET /currencies": "currencies.list",
    "GET /ical/workspace_user/{token}": "ical.download",
    "GET /invitations/{invitation_code}": "invitations.get",
    "GET /keys": "keys.list",
    "GET /me": "me.get",
    "PUT /me": "me.update",
    "POST /me/accept_tos": "me.accept_tos",
    "GET /me/clients": "me.clients",
    "POST /me/close_account": "me.close_account",
    "POST /me/disable_product_emails/{disable_code}": "me.disable_product_emails",
    "POST /me/disable_weekly_report/{weekly_report_code}": "me.disable_weekly_report",
    "GET /me/export": "exports.list_mine",
    "POST /me/export": "exports.create_mine",
    "GET /me/export/data/{uuid}.zip": "exports.download_mine",
    "GET /me/favorites": "favorites.list_mine",
    "PUT /me/favorites": "favorites.update_mine",
    "POST /me/favorites": "favorites.create_mine",
    "POST /me/favorites/suggestions": "favorites.suggest_mine",
    "DELETE /me/favorites/{favorite_id}": "favorites.delete_mine",
    "GET /me/features": "me.features",
    "GET /me/flags": "me.flags",
    "POST /me/flags": "me.update_flags",
    "GET /me/id": "me.id",
    "GET /me/location": "me.location",
    "GET /me/logged": "me.logged",
    "GET /me/organizations": "me.organizations",
    "GET /me/preferences": "preferences.get_mine",
    "POST /me/preferences": "preferences.update_mine",
    "GET /me/preferences/{client}": "preferences.get_client",
    "POST /me/preferences/{client}": "preferences.update_client",
    "GET /me/projects": "me.projects",
    "GET /me/projects/paginated": "me.iter_projects",
    "GET /me/push_services": "me.push_services",
    "POST /me/push_services": "me.subscribe_push_service",
    "DELETE /me/push_services": "me.unsubscribe_push_service",
    "GET /me/quota": "me.quota",
    "POST /me/reset_token": "me.reset_token",
    "GET /me/tags": "me.tags",
    "GET /me/tasks": "me.tasks",
    "GET /me/time_entries": "time_entries.list",
    "GET /me/time_entries/checklist": "time_entries.checklist",
    "GET /me/time_entries/current": "time_entries.current",
    "GET /me/time_entries/{time_entry_id}": "time_entries.get",
    "POST /me/time_entries_shared_with": "time_entries.shared_with",
    "GET /me/timesheets": "timesheets.list_mine",
    "GET /me/track_reminders": "track_reminders.list_mine",
    "GET /me/web-timer": "me.web_timer",
    "GET /me/workspaces": "me.workspaces",
    "POST /organizations": "organizations.create",
    "POST /organizations/invitations/{invitation_code}/accept": "invitations.accept",
    "POST /organizations/invitations/{invitation_code}/reject": "invitations.reject",
    "GET /organizations/{organization_id}": "organizations.get",
    "PUT /organizations/{organization_id}": "organizations.update",
    "GET /organizations/{organization_id}/groups": "groups.list",
    "POST /organizations/{organization_id}/groups": "groups.create",
    "PUT /organizations/{organization_id}/groups/{group_id}": "groups.update",
    "DELETE /organizations/{organization_id}/groups/{group_id}": "groups.delete",
    "PATCH /organizations/{organization_id}/groups/{group_id}": "groups.patch",
    "POST /organizations/{organization_id}/integrations/slack/request": (
        "organizations.request_slack_integration"
    ),
    "POST /organizations/{organization_id}/invitations": "invitations.create",
    "PUT /organizations/{organization_id}/invitations/{invitation_id}/resend": (
        "invitations.resend"
    ),
    "GET /organizations/{organization_id}/owner": "organizations.owner",
    "GET /organizations/{organization_id}/owner/transfer": "organizations.transfers",
    "POST /organizations/{organization_id}/owner/transfer": "organizations.create_transfer",
    "GET /organizations/{organization_id}/owner/transfer/{transfer_id}": (
        "organizations.get_transfer"
    ),
    "POST /organizations/{organization_id}/owner/transfer/{transfer_id}/{action}": (
        "organizations.update_transfer"
    ),
    "GET /organizations/{organization_id}/roles": "organizations.roles",
    "GET /organizations/{organization_id}/segmentation": "organizations.segmentation",
    "PUT /organizations/{organization_id}/segmentation": "organizations.update_segmentation",
    "GET /organizations/{organization_id}/usage": "organizations.usage",
    "GET /organizations/{organization_id}/users": "organizations.iter_users",
    "PATCH /organizations/{organization_id}/users": "organizations.patch_users",
    "GET /organizations/{organization_id}/users/detailed": ("organizations.iter_users_detailed"),
    "DELETE /organizations/{organization_id}/users/leave": "organizations.leave",
    "PUT /organizations/{organization_id}/users/{organization_user_id}": (
        "organizations.update_user"
    ),
    "POST /organizations/{organization_id}/workspaces": "workspaces.create",
    "GET /organizations/{organization_id}/workspaces/statistics": (
        "organizations.workspace_statistics"
    ),
    "GET /organizations/{organization_id}/workspaces/{workspace_id}/groups": (
        "organizations.workspace_groups"
    ),
    "GET /organizations/{organization_id}/workspaces/{workspace_id}/workspace_users": (
        "organizations.workspace_users"
    ),
    "PATCH /organizations/{organization_id}/workspaces/{workspace_id}/workspace_users": (
        "organizations.patch_workspace_users"
    ),
    "GET /status": "status.get",
    "GET /sync-server/me/goals": "goals.list_mine",
    "GET /timeline": "timeline.list",
    "POST /timeline": "timeline.create",
    "DELETE /timeline": "timeline.delete",
    "GET /timezones": "timezones.list",
    "GET /timezones/offsets": "timezones.offsets",
    "GET /workspaces/{workspace_id}": "workspaces.get",
    "PUT /workspaces/{workspace_id}": "workspaces.update",
    "GET /workspaces/{workspace_id}/alerts": "alerts.list",
    "POST /workspaces/{workspace_id}/alerts": "alerts.create",
    "PUT /workspaces/{workspace_id}/alerts/{alert_id}": "alerts.update",
    "DELETE /workspaces/{workspace_id}/alerts/{alert_id}": "alerts.delete",
    "GET /workspaces/{workspace_id}/clients": "clients.list",
    "POST /workspaces/{workspace_id}/clients": "clients.create",
    "POST /workspaces/{workspace_id}/clients/archive": "clients.archive_many",
    "POST /workspaces/{workspace_id}/clients/data": "clients.list_by_ids",
    "POST /workspaces/{workspace_id}/clients/delete": "clients.delete_many",
    "GET /workspaces/{workspace_id}/clients/{client_id}": "clients.get",
    "PUT /workspaces/{workspace_id}/clients/{client_id}": "clients.update",
    "DELETE /workspaces/{workspace_id}/clients/{client_id}": "clients.delete",
    "POST /workspaces/{workspace_id}/clients/{client_id}/archive": "clients.archive",
    "POST /workspaces/{workspace_id}/clients/{client_id}/restore": "clients.restore",
    "GET /workspaces/{workspace_id}/currencies": "workspaces.currencies",
    "GET /workspaces/{workspace_id}/dashboard/all_activity": "dashboard.all_activity",
    "GET /workspaces/{workspace_id}/dashboard/most_active": "dashboard.most_active",
    "GET /workspaces/{workspace_id}/dashboard/top_activity": "dashboard.top_activity",
    "GET /workspaces/{workspace_id}/expenses": "expenses.list",
    "POST /workspaces/{workspace_id}/expenses/upload": "expenses.upload",
    "GET /workspaces/{workspace_id}/exports": "exports.list",
    "POST /workspaces/{workspace_id}/exports": "exports.create",
    "GET /workspaces/{workspace_id}/exports/data/{uuid}.zip": "exports.download",
    "GET /workspaces/{workspace_id}/favorites": "favorites.list",
    "PUT /workspaces/{workspace_id}/favorites": "favorites.update",
    "POST /workspaces/{workspace_id}/favorites": "favorites.create",
    "POST /workspaces/{workspace_id}/favorites/suggestions": "favorites.suggest",
    "DELETE /workspaces/{workspace_id}/favorites/{favorite_id}": "favorites.delete",
    "GET /workspaces/{workspace_id}/goals": "goals.list",
    "POST /workspaces/{workspace_id}/goals": "goals.create",
    "GET /workspaces/{workspace_id}/goals/{goal_id}": "goals.get",
    "PUT /workspaces/{workspace_id}/goals/{goal_id}": "goals.update",
    "DELETE /workspaces/{workspace_id}/goals/{goal_id}": "goals.delete",
    "GET /workspaces/{workspace_id}/groups": "groups.list_in_workspace",
    "POST /workspaces/{workspace_id}/groups": "groups.create_in_workspace",
    "PUT /workspaces/{workspace_id}/groups/{group_id}": "groups.update_in_workspace",
    "DELETE /workspaces/{workspace_id}/groups/{group_id}": "groups.delete_in_workspace",
    "POST /workspaces/{workspace_id}/ical/reset": "ical.reset",
    "POST /workspaces/{workspace_id}/ical/toggle": "ical.toggle",
    "GET /workspaces/{workspace_id}/logo": "workspaces.logo",
    "POST /workspaces/{workspace_id}/logo": "workspaces.upload_logo",
    "DELETE /workspaces/{workspace_id}/logo": "workspaces.delete_logo",
    "GET /workspaces/{workspace_id}/preferences": "preferences.get",
    "POST /workspaces/{workspace_id}/preferences": "preferences.update",
    "GET /workspaces/{workspace_id}/project_groups": "project_groups.list",
    "POST /workspaces/{workspace_id}/project_groups": "project_groups.create",
    "DELETE /workspaces/{workspace_id}/project_groups/{project_group_id}": (
        "project_groups.delete"
    ),
    "GET /workspaces/{workspace_id}/project_users": "project_users.list",
    "POST /workspaces/{workspace_id}/project_users": "project_users.create",
    "POST /workspaces/{workspace_id}/project_users/paginated": "project_users.list_by_projects",
    "PATCH /workspaces/{workspace_id}/project_users/{project_user_ids}": "project_users.patch",
    "PUT /workspaces/{workspace_id}/project_users/{project_user_id}": "project_users.update",
    "DELETE /workspaces/{workspace_id}/project_users/{project_user_id}": "project_users.delete",
    "GET /workspaces/{workspace_id}/projects": "projects.iter",
    "POST /workspaces/{workspace_id}/projects": "projects.create",
    "POST /workspaces/{workspace_id}/projects/billable-amounts": "projects.billable_amounts",
    "POST /workspaces/{workspace_id}/projects/task_count": "projects.task_count",
    "GET /workspaces/{workspace_id}/projects/templates": "projects.templates",
    "POST /workspaces/{workspace_id}/projects/user_count": "projects.user_count",
    "PATCH /workspaces/{workspace_id}/projects/{project_ids}": "projects.patch",
    "GET /workspaces/{workspace_id}/projects/{project_id}": "projects.get",
    "PUT /workspaces/{workspace_id}/projects/{project_id}": "projects.update",
    "DELETE /workspaces/{workspace_id}/projects/{project_id}": "projects.delete",
    "GET /workspaces/{workspace_id}/projects/{project_id}/periods": "projects.periods",
    "POST /workspaces/{workspace_id}/projects/{project_id}/pin": "projects.pin",
    "GET /workspaces/{workspace_id}/projects/{project_id}/statistics": "projects.statistics",
    "GET /workspaces/{workspace_id}/projects/{project_id}/tasks": "tasks.list",
    "POST /workspaces/{workspace_id}/projects/{project_id}/tasks": "tasks.create",
    "PATCH /workspaces/{workspace_id}/projects/{project_id}/tasks/{task_ids}": "tasks.patch",
    "GET /workspaces/{workspace_id}/projects/{project_id}/tasks/{task_id}": "tasks.get",
    "PUT /workspaces/{workspace_id}/projects/{project_id}/tasks/{task_id}": "tasks.update",
    "DELETE /workspaces/{workspace_id}/projects/{project_id}/tasks/{task_id}": "tasks.delete",
    "POST /workspaces/{workspace_id}/rates": "rates.create",
    "GET /workspaces/{workspace_id}/rates/{level}/{level_id}": "rates.list",
    "GET /workspaces/{workspace_id}/reports/shared": "saved_reports.list",
    "PUT /workspaces/{workspace_id}/reports/shared": "saved_reports.replace",
    "POST /workspaces/{workspace_id}/reports/shared": "saved_reports.create",
    "PATCH /workspaces/{workspace_id}/reports/shared/bulk_delete": "saved_reports.delete_many",
    "GET /workspaces/{workspace_id}/reports/shared/{report_id}": "saved_reports.get",
    "PUT /workspaces/{workspace_id}/reports/shared/{report_id}": "saved_reports.update",
    "DELETE /workspaces/{workspace_id}/reports/shared/{report_id}": "saved_reports.delete",
    "GET /workspaces/{workspace_id}/scheduled_reports": "scheduled_reports.list",
    "POST /workspaces/{workspace_id}/scheduled_reports": "scheduled_reports.create",
    "DELETE /workspaces/{workspace_id}/scheduled_reports/{report_id}": ("scheduled_reports.delete"),
    "GET /workspaces/{workspace_id}/statistics": "workspaces.statistics",
    "GET /workspaces/{workspace_id}/tags": "tags.iter",
    "POST /workspaces/{workspace_id}/tags": "tags.create",
    "PATCH /workspaces/{workspace_id}/tags": "tags.delete_many",
    "PUT /workspaces/{workspace_id}/tags/{tag_id}": "tags.update",
    "DELETE /workspaces/{workspace_id}/tags/{tag_id}": "tags.delete",
    "GET /workspaces/{workspace_id}/tasks": "tasks.iter",
    "GET /workspaces/{workspace_id}/tasks/basic": "tasks.basic",
    "POST /workspaces/{workspace_id}/tasks/data": "tasks.list_by_projects",
    "POST /workspaces/{workspace_id}/time_entries": "time_entries.create",
    "PATCH /workspaces/{workspace_id}/time_entries/{time_entry_ids}": "time_entries.patch",
    "PUT /workspaces/{workspace_id}/time_entries/{time_entry_id}": "time_entries.update",
    "DELETE /workspaces/{workspace_id}/time_entries/{time_entry_id}": "time_entries.delete",
    "PATCH /workspaces/{workspace_id}/time_entries/{time_entry_id}/stop": "time_entries.stop",
    "GET /workspaces/{workspace_id}/time_entry_constraints": "time_entry_constraints.get",
    "POST /workspaces/{workspace_id}/time_entry_constraints": "time_entry_constraints.update",
    "GET /workspaces/{workspace_id}/time_entry_invitations": "time_entry_invitations.list",
    "POST /workspaces/{workspace_id}/time_entry_invitations/{time_entry_invitation_id}/{action}": (
        "time_entry_invitations.respond"
    ),
    "GET /workspaces/{workspace_id}/timesheet_setups": "timesheet_setups.list",
    "POST /workspaces/{workspace_id}/timesheet_setups": "timesheet_setups.create",
    "POST /workspaces/{workspace_id}/timesheet_setups/{setup_id}": "timesheet_setups.update",
    "DELETE /workspaces/{workspace_id}/timesheet_setups/{setup_id}": "timesheet_setups.delete",
    "GET /workspaces/{workspace_id}/timesheets": "timesheets.iter",
    "PUT /workspaces/{workspace_id}/timesheets": "timesheets.update_many",
    "POST /workspaces/{workspace_id}/timesheets/hours": "timesheets.hours",
    "PUT /workspaces/{workspace_id}/timesheets/{setup_id}/{start_date}": "timesheets.update",
    "GET /workspaces/{workspace_id}/timesheets/{setup_id}/{start_date}/history": (
        "timesheets.history"
    ),
    "GET /workspaces/{workspace_id}/timesheets/{setup_id}/{start_date}/time_entries": (
        "timesheets.time_entries"
    ),
    "GET /workspaces/{workspace_id}/track_reminders": "track_reminders.list",
    "POST /workspaces/{workspace_id}/track_reminders": "track_reminders.create",
    "PUT /workspaces/{workspace_id}/track_reminders/{reminder_id}": "track_reminders.update",
    "DELETE /workspaces/{workspace_id}/track_reminders/{reminder_id}": "track_reminders.delete",
    "GET /workspaces/{workspace_id}/users": "workspaces.users",
    "POST /workspaces/{workspace_id}/users/data": "workspaces.users_data",
    "PUT /workspaces/{workspace_id}/users/{user_id}": "workspaces.update_user",
    "GET /workspaces/{workspace_id}/workspace_users": "workspace_users.list",
    "PUT /workspaces/{workspace_id}/workspace_users/{workspace_user_id}": "workspace_users.update",
    "DELETE /workspaces/{workspace_id}/workspace_users/{workspace_user_id}": (
        "workspace_users.delete"
    ),
    # -- Insights ---------------------------------------------------------------------------
    "POST /insights/api/v1/workspace/{workspace_id}/data_trends/projects": (
        "insights.project_trends"
    ),
    "POST /insights/api/v1/workspace/{workspace_id}/profitability/employees.{extension}": (
        "insights.download_employee_profitability"
    ),
    "POST /insights/api/v1/workspace/{workspace_id}/profitability/projects.{extension}": (
        "insights.download_project_profitability"
    ),
    "POST /insights/api/v1/workspace/{workspace_id}/trends/projects.{extension}": (
        "insights.download_project_trends"
    ),
    # -- Reports v3 -------------------------------------------------------------------------
    "POST /reports/api/v3/shared/{report_token}": "reports.shared",
    "POST /reports/api/v3/shared/{report_token}/csv": "reports.download_shared",
    "POST /reports/api/v3/shared/{report_token}/pdf": "reports.download_shared",
    "POST /reports/api/v3/shared/{report_token}/xlsx": "reports.download_shared",
    "POST /reports/api/v3/workspace/{workspace_id}/comparative": "reports.comparative",
    "POST /reports/api/v3/workspace/{workspace_id}/data_trends/clients": "reports.client_trends",
    "POST /reports/api/v3/workspace/{workspace_id}/data_trends/projects": (
        "reports.project_trends"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/data_trends/users": "reports.user_trends",
    "POST /reports/api/v3/workspace/{workspace_id}/filters/clients": "reports.filter_clients",
    "POST /reports/api/v3/workspace/{workspace_id}/filters/project_groups": (
        "reports.filter_project_groups"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/filters/project_users": (
        "reports.filter_project_users"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/filters/projects": "reports.filter_projects",
    "POST /reports/api/v3/workspace/{workspace_id}/filters/projects/status": (
        "reports.filter_project_statuses"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/filters/tasks/status": (
        "reports.filter_task_statuses"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/filters/users": "reports.filter_users",
    "POST /reports/api/v3/workspace/{workspace_id}/profitability/projects": (
        "reports.project_profitability"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/projects/summary": "reports.projects_summary",
    "POST /reports/api/v3/workspace/{workspace_id}/projects/{project_id}/summary": (
        "reports.project_summary"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/search/clients": "reports.search_clients",
    "POST /reports/api/v3/workspace/{workspace_id}/search/projects": "reports.search_projects",
    "POST /reports/api/v3/workspace/{workspace_id}/search/time_entries": (
        "reports.iter_time_entries"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/search/time_entries.pdf": (
        "reports.download_detailed"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/search/time_entries.{extension}": (
        "reports.download_detailed"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/search/time_entries/totals": "reports.totals",
    "POST /reports/api/v3/workspace/{workspace_id}/search/users": "reports.search_users",
    "POST /reports/api/v3/workspace/{workspace_id}/summary/time_entries": "reports.summary",
    "POST /reports/api/v3/workspace/{workspace_id}/summary/time_entries.pdf": (
        "reports.download_summary"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/summary/time_entries.{extension}": (
        "reports.download_summary"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/weekly/time_entries": "reports.weekly",
    "POST /reports/api/v3/workspace/{workspace_id}/weekly/time_entries.csv": (
        "reports.download_weekly"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/weekly/time_entries.pdf": (
        "reports.download_weekly"
    ),
    "POST /reports/api/v3/workspace/{workspace_id}/{action}/tasks": "reports.tasks",
}

_SUBSCRIPTION = "/organizations/{organization_id}/subscription"

EXCLUDED: dict[str, str] = {
    "GET /auth/saml2/login": SSO,
    "POST /auth/saml2/login/{workspace_id}": SSO,
    "GET /desktop_login": SSO,
    "POST /desktop_login_tokens": SSO,
    "POST /me/enable_sso": SSO,
    "GET /workspaces/{workspace_id}/linked_sso_profiles": SSO,
    "PUT /workspaces/{workspace_id}/linked_sso_profiles/{sso_profile_id}": SSO,
    "DELETE /workspaces/{workspace_id}/linked_sso_profiles/{sso_profile_id}": SSO,
    "POST /feedback": FEEDBACK,
    "POST /smail/contact": SMAIL,
    "POST /smail/demo": SMAIL,
    "POST /smail/meet": SMAIL,
    "GET /integrations/calendar": CALENDAR,
    "GET /integrations/calendar/calendars": CALENDAR,
    "GET /integrations/calendar/calendars/selected": CALENDAR,
    "GET /integrations/calendar/events": CALENDAR,
    "POST /integrations/calendar/events/details-suggestion": CALENDAR,
    "POST /integrations/calendar/events/update": CALENDAR,
    "GET /integrations/calendar/events/{event_id}/details-suggestion": CALENDAR,
    "GET /integrations/calendar/setup": CALENDAR,
    "PUT /integrations/calendar/{integration_id}": CALENDAR,
    "DELETE /integrations/calendar/{integration_id}": CALENDAR,
    "GET /integrations/calendar/{integration_id}/calendars": CALENDAR,
    "POST /integrations/calendar/{integration_id}/calendars/update": CALENDAR,
    "PATCH /integrations/calendar/{integration_id}/calendars/{calendar_id}": CALENDAR,
    "GET /integrations/calendar/{integration_id}/calendars/{calendar_id}/events/{event_id}"
    "/attendees": CALENDAR,
    "GET /integrations/calendar/{integration_id}/calendars/{id_calendar}/events": CALENDAR,
    "GET /organizations/{organization_id}/invoices/{invoice_uid}.pdf": BILLING,
    "GET /organizations/{organization_id}/payment_records": BILLING,
    "GET /organizations/{organization_id}/plans": BILLING,
    "GET /organizations/{organization_id}/plans/{plan_id}": BILLING,
    f"GET {_SUBSCRIPTION}": BILLING,
    f"PUT {_SUBSCRIPTION}": BILLING,
    f"POST {_SUBSCRIPTION}": BILLING,
    f"DELETE {_SUBSCRIPTION}": BILLING,
    f"POST {_SUBSCRIPTION}/cancellation_feedback": BILLING,
    f"GET {_SUBSCRIPTION}/customer": BILLING,
    f"PUT {_SUBSCRIPTION}/customer": BILLING,
    f"POST {_SUBSCRIPTION}/customer": BILLING,
    f"POST {_SUBSCRIPTION}/discount_request": BILLING,
    f"POST {_SUBSCRIPTION}/feature_upsell_multi": BILLING,
    f"GET {_SUBSCRIPTION}/invoice_summary": BILLING,
    f"GET {_SUBSCRIPTION}/payment_failed": BILLING,
    f"POST {_SUBSCRIPTION}/promocode": BILLING,
    f"DELETE {_SUBSCRIPTION}/promocode": BILLING,
    f"GET {_SUBSCRIPTION}/purchase_orders/{{purchase_order_uid}}.pdf": BILLING,
    f"POST {_SUBSCRIPTION}/setup_intent": BILLING,
    f"POST {_SUBSCRIPTION}/trial": BILLING,
    f"DELETE {_SUBSCRIPTION}/trial": BILLING,
    f"POST {_SUBSCRIPTION}/upgrade_request/{{feature_id}}": BILLING,
    f"POST {_SUBSCRIPTION}/usage_based_discount": BILLING,
    f"DELETE {_SUBSCRIPTION}/usage_based_discount": BILLING,
    "GET /subscriptions/plans": BILLING,
    "GET /workspaces/plans": BILLING,
    "GET /workspaces/{workspace_id}/invoices": BILLING,
    "POST /workspaces/{workspace_id}/invoices": BILLING,
    "GET /workspaces/{workspace_id}/invoices/{invoice_id}.pdf": BILLING,
    "DELETE /workspaces/{workspace_id}/invoices/{user_invoice_id}": BILLING,
    "GET /workspaces/{workspace_id}/payment_receipts/{payment_id}.pdf": BILLING,
    "GET /workspaces/{workspace_id}/subscription": BILLING,
    "GET /workspaces/{workspace_id}/subscription/purchase_orders/{purchase_order_id}.pdf": (
        BILLING
    ),
}
