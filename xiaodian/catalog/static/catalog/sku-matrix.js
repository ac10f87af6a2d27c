/* The product form's SKU matrix: one row per combination of the spec values typed above
 * (颜色 × 尺码), rebuilt as the merchant types; a row keeps its price, stock and SKU id when its
 * combination stays. Rows are the formset's rows (catalog/forms.py), so the server checks what is
 * posted exactly as it does without this script, where "生成规格表" asks the server instead.
 * Also: fill every row's price or stock at once, and preview the images chosen on the create form.
 * Static, no build step; the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  var form = document.getElementById("product-form");
  var box = document.getElementById("sku-rows");
  var template = document.getElementById("sku-row-template");
  if (!form || !box || !template) return;
  var prefix = "skus";
  var total = form.querySelector("[name='" + prefix + "-TOTAL_FORMS']");
  var note = document.getElementById("matrix-note");
  var max = parseInt(box.dataset.max, 10) || 100;
  var separators = new RegExp("[" + box.dataset.separators.replace(/[\]\\^-]/g, "\\$&") + "]");
  var defaultLabel = template.content.querySelector("[data-combination]").textContent;

  function key(values) {
    return values.map(function (v) { return v.normalize("NFKC").toLowerCase().replace(/\s+/g, ""); }).join("\u0001");
  }

  function split(text) {
    var seen = {};
    return text.split(separators).map(function (v) { return v.trim(); }).filter(function (v) {
      var k = key([v]);
      if (!v || seen[k]) return false;
      seen[k] = true;
      return true;
    });
  }

  function specs() {
    var out = [];
    form.querySelectorAll("[data-spec-name]").forEach(function (input) {
      var slot = input.dataset.specName;
      var values = split(form.querySelector("[data-spec-values='" + slot + "']").value);
      if (input.value.trim() && values.length) out.push({ slot: slot, values: values });
    });
    return out;
  }

  function field(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }

  function current() {
    var rows = {};
    box.querySelectorAll("[data-sku-row]").forEach(function (row) {
      var values = [];
      for (var slot = 1; slot <= 3; slot++) {
        var input = field(row, "value_" + slot);
        if (input && input.value) values.push(input.value);
      }
      rows[key(values)] = {
        id: field(row, "id").value,
        expected_stock: field(row, "expected_stock").value,
        price: field(row, "price").value,
        stock: field(row, "stock").value,
        DELETE: field(row, "DELETE").checked,
      };
    });
    return rows;
  }

  function combinations(list) {
    return list.reduce(function (acc, spec) {
      var out = [];
      acc.forEach(function (head) {
        spec.values.forEach(function (value) { out.push(head.concat([[spec.slot, value]])); });
      });
      return out;
    }, [[]]);
  }

  function build() {
    var list = specs();
    var count = list.reduce(function (n, spec) { return n * spec.values.length; }, 1);
    if (count > max) {
      note.textContent = box.dataset.tooMany;
      return;
    }
    var before = current();
    var fragment = document.createDocumentFragment();
    combinations(list).forEach(function (combination, index) {
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.firstElementChild;
      var values = combination.map(function (pair) { return pair[1]; });
      combination.forEach(function (pair) { field(row, "value_" + pair[0]).value = pair[1]; });
      row.querySelector("[data-combination]").textContent = values.length ? values.join(" / ") : defaultLabel;
      var kept = before[key(values)];
      if (kept) {
        ["id", "expected_stock", "price", "stock"].forEach(function (name) { field(row, name).value = kept[name]; });
        field(row, "DELETE").checked = kept.DELETE;
      }
      fragment.appendChild(row);
    });
    box.replaceChildren(fragment);
    total.value = String(count);
    note.textContent = box.dataset.count.replace("{n}", String(count));
  }

  form.querySelectorAll("[data-spec-name], [data-spec-values]").forEach(function (input) {
    input.addEventListener("input", build);
  });
  var button = document.getElementById("make-matrix");
  if (button) {
    button.hidden = true;  // the rows follow the typing; the button is for pages without script
    button.addEventListener("click", function (event) { event.preventDefault(); build(); });
  }

  var fill = document.getElementById("fill-all");
  if (fill) {
    fill.hidden = false;
    document.getElementById("fill-button").addEventListener("click", function () {
      var price = document.getElementById("fill-price").value;
      var stock = document.getElementById("fill-stock").value;
      box.querySelectorAll("[data-sku-row]").forEach(function (row) {
        if (price !== "") field(row, "price").value = price;
        if (stock !== "") field(row, "stock").value = stock;
      });
    });
  }

  var images = form.querySelector("input[type=file][name=images]");
  var previews = document.getElementById("image-previews");
  if (images && previews) {
    images.addEventListener("change", function () {
      previews.replaceChildren();
      Array.prototype.forEach.call(images.files, function (file) {
        var item = document.createElement("li");
        var picture = document.createElement("img");
        picture.alt = file.name;
        item.appendChild(picture);
        previews.appendChild(item);
        var reader = new FileReader();
        reader.onload = function () { picture.src = reader.result; };
        reader.readAsDataURL(file);
      });
    });
  }
})();
