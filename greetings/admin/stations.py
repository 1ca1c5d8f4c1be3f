"""/admin/stations: the stations, renamed, reconfigured, their shops chosen, retired.

Shipments refer to stations by id, so a new name or a retirement never rewrites history.
"""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ..extensions import db
from ..models import Station
from ..staff.roles import Role, role_required
from ..station.forms import StationForm
from ..station.stations import StationRetired, all_stations, configure, retire, shops
from .routes import bp


class RetireForm(FlaskForm):
    """Only a CSRF token: the page asks before it is sent."""


@bp.get("/stations")
@role_required(Role.MANAGER)
def stations():
    """List every station: in use first, then retired ones."""
    return render_template("admin/stations.html", stations=all_stations())


@bp.route("/stations/<int:station_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def station(station_id):
    """Rename a station, change its printer, paper, idle time and shops."""
    found = db.get_or_404(Station, station_id)
    form = StationForm(obj=found, site_name=found.site.name if found.site else "",
                       shops=[shop.id for shop in found.integrations])
    form.shops.choices = [(shop.id, shop.slug) for shop in shops()]
    if found.active and form.validate_on_submit():
        try:
            configure(found, **form.settings())
        except StationRetired:
            db.session.rollback()
            form.name.errors.append(_("%(name)s is a retired station. Choose another name.",
                                      name=form.name.data.strip()))
        else:
            db.session.commit()
            flash(_("Station %(name)s is saved.", name=found.name), "success")
            return redirect(url_for("admin.stations"))
    return render_template("admin/station.html", station=found, form=form,
                           retire_form=RetireForm())


@bp.post("/stations/<int:station_id>/retire")
@role_required(Role.MANAGER)
def retire_station(station_id):
    """Retire a station: every browser set up as it stops being a station at once."""
    found = db.get_or_404(Station, station_id)
    if RetireForm().validate_on_submit():
        retire(found)
        db.session.commit()
        flash(_("Station %(name)s is retired. Its parcels keep its name.", name=found.name),
              "success")
    else:
        flash(_("Please try again."), "error")
    return redirect(url_for("admin.stations"))
